"""Adaptive discriminator augmentation (ADA, Karras et al. 2020, "Training Generative Adversarial
Networks with Limited Data", StyleGAN2-ADA).

The differentiable augmentations of :class:`~mmdsgan.models.gan.diff_augment.DiffAugment` are
applied with a probability ``p`` that is not fixed but steered by how much the discriminator
overfits. The overfitting signal is ``r_t = E[sign(D(x_real))]``, the mean sign of D's logits on
the (augmented) real images of the recent D steps: 0 when D cannot tell reals from fakes, 1
when it is sure of every real image. After every ``interval`` D steps

    p <- clamp(p + sign(r_t - target) * (batch_size * interval) / (speed_kimg * 1000), 0, p_max)

with ``batch_size * interval`` the number of real logits seen in that interval (summed over all
processes in distributed training). ADA's defaults: ``target = 0.6``, ``interval = 4`` and
``speed_kimg = 500`` (p can go from 0 to 1 in 500k real images), ``p`` starting at 0. The same
``p`` is used for reals and fakes, and every transformation is differentiable, so G gets its
gradients through the augmentation.
"""
from __future__ import annotations

from typing import Sequence

import torch
from mmengine.dist import all_reduce
from mmseg.registry import MODELS
from torch import nn

from .diff_augment import DiffAugment

__all__ = ['AdaptiveAugment']

# DiffAugment's transformations, in the order it applies them.
OPS = ('xflip', 'brightness', 'saturation', 'contrast', 'translation')


def _diff_augment_kwargs(policy: dict | Sequence[str] | None) -> dict:
    """DiffAugment kwargs (without ``prob``) from a policy."""
    if policy is None:
        return {}
    if isinstance(policy, str):
        raise TypeError(f"AdaptiveAugment: policy must be a list of op names or a dict, got the "
                        f"string {policy!r}; write e.g. policy=['xflip', 'translation']")
    names = list(policy)
    unknown = [name for name in names if name not in OPS]
    if unknown:
        raise ValueError(f'AdaptiveAugment: unknown ops {unknown} in policy; choose from {OPS}')
    if isinstance(policy, dict):
        return dict(policy)
    # A list of names: those ops on (with DiffAugment's default amounts), the others off.
    return {name: 0 for name in OPS if name not in names}


@MODELS.register_module()
class AdaptiveAugment(nn.Module):
    """Differentiable augmentation whose probability ``p`` follows ADA's overfitting heuristic.

    Use it as ``model.augment`` of :class:`~mmdsgan.models.gan.StyleGAN2GAN`, which calls
    :meth:`observe` with D's logits on the reals after every D step.

    Args:
        policy: which DiffAugment transformations to use: None = all with DiffAugment's default
            amounts; a list of op names (``'xflip'``, ``'brightness'``, ``'saturation'``,
            ``'contrast'``, ``'translation'``) = those with the default amounts; or a dict of
            DiffAugment kwargs (without ``prob``), e.g. ``dict(translation=0.25, contrast=0)``.
        target: target value of ``r_t = E[sign(D(real))]`` (ADA: 0.6).
        interval: update ``p`` every this many observed D steps (ADA: 4).
        speed_kimg: thousands of real images for ``p`` to go from 0 to 1 (ADA: 500).
        init_p: initial ``p`` (ADA: 0).
        p_max: upper bound of ``p``.

    Buffers (saved in checkpoints, so ``--resume`` continues the schedule):
        p: () current probability of applying each transformation to a sample.
        rt: () the latest ``r_t`` (NaN before the first update).
        sign_sum / sign_count: () sum and number of ``sign(real logits)`` since the last update.
        num_observed: () D steps observed since the last update.

    Shapes: ``forward``: (N, C, H, W) float images in [-1, 1] -> (N, C, H, W), differentiable
    w.r.t. the input. ``observe``: (N, 1) or (N,) logits.
    """

    def __init__(self, policy: dict | Sequence[str] | None = None, target: float = 0.6,
                 interval: int = 4, speed_kimg: float = 500, init_p: float = 0.0,
                 p_max: float = 1.0) -> None:
        super().__init__()
        if int(interval) != interval or interval < 1:
            raise ValueError(f'AdaptiveAugment: interval must be an integer >= 1, got {interval}')
        if speed_kimg <= 0:
            raise ValueError(f'AdaptiveAugment: speed_kimg must be > 0, got {speed_kimg}')
        if not 0 <= init_p <= p_max <= 1:
            raise ValueError(f'AdaptiveAugment: need 0 <= init_p <= p_max <= 1, got '
                             f'init_p={init_p}, p_max={p_max}')
        # Composition: DiffAugment holds the ops; its ``prob`` is set to ``p`` before each call.
        self.ops = DiffAugment(prob=0.0, **_diff_augment_kwargs(policy))
        self.target = float(target)
        self.interval = int(interval)
        self.speed_kimg = float(speed_kimg)
        self.p_max = float(p_max)
        self.register_buffer('p', torch.tensor(float(init_p)))
        self.register_buffer('rt', torch.tensor(float('nan')))
        self.register_buffer('sign_sum', torch.zeros(()))
        self.register_buffer('sign_count', torch.zeros(()))
        self.register_buffer('num_observed', torch.zeros((), dtype=torch.int64))

    def forward(self, img: torch.Tensor) -> torch.Tensor:
        """(N, C, H, W) in [-1, 1] -> (N, C, H, W); each op on each sample with probability p."""
        self.ops.prob = float(self.p)
        return self.ops(img)

    @torch.no_grad()
    def observe(self, real_logits: torch.Tensor) -> None:
        """Accumulate ``sign(real_logits)`` of one D step; update ``p`` every ``interval`` calls.

        Args:
            real_logits: (N, 1) or (N,) D's logits on the augmented real images.
        """
        signs = real_logits.detach().float().sign()
        self.sign_sum += signs.sum()
        self.sign_count += signs.numel()
        self.num_observed += 1
        if int(self.num_observed) < self.interval:
            return
        stats = torch.stack([self.sign_sum, self.sign_count])
        all_reduce(stats)  # sum over processes (a no-op when not distributed)
        sign_sum, count = stats
        self.rt.copy_(sign_sum / count)
        step = torch.sign(self.rt - self.target) * count / (self.speed_kimg * 1000)
        self.p.copy_((self.p + step).clamp(0.0, self.p_max))
        self.sign_sum.zero_()
        self.sign_count.zero_()
        self.num_observed.zero_()

    def extra_repr(self) -> str:
        return (f'p={float(self.p):.4f}, target={self.target}, interval={self.interval}, '
                f'speed_kimg={self.speed_kimg}, p_max={self.p_max}')
