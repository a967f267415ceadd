"""Exponential moving average of the generator weights, with StyleGAN2's half-life rule."""
from __future__ import annotations

import torch
from torch import nn

__all__ = ['ema_beta', 'update_ema']


def ema_beta(batch_size: int, ema_kimg: float, cur_nimg: int = 0,
             ema_rampup: float | None = None) -> float:
    """Decay per step so that a weight's influence halves every ``ema_kimg`` thousand images.

    ``beta = 0.5 ** (batch_size / max(ema_nimg, 1e-8))`` with ``ema_nimg = ema_kimg * 1000``,
    during the ramp-up limited to ``cur_nimg * ema_rampup`` (so the average forgets the random
    initialisation quickly; ``beta = 0`` at ``cur_nimg = 0``).

    Args:
        batch_size: images per step over all processes.
        ema_kimg: half-life in thousands of images.
        cur_nimg: images seen before this step (for the ramp-up).
        ema_rampup: ramp-up ratio (StyleGAN2-ADA: 0.05), None = no ramp-up.
    """
    ema_nimg = ema_kimg * 1000
    if ema_rampup is not None:
        ema_nimg = min(ema_nimg, cur_nimg * ema_rampup)
    return 0.5 ** (batch_size / max(ema_nimg, 1e-8))


@torch.no_grad()
def update_ema(ema: nn.Module, model: nn.Module, beta: float) -> None:
    """``p_ema = p + beta * (p_ema - p)`` for every parameter; buffers (``w_avg``, constant noise,
    filters) are copied, so the EMA generator tracks the training generator's ``w_avg``.

    Both modules must have the same parameters and buffers in the same order (``ema`` a deep
    copy of ``model``; distributed wrappers inside ``model`` do not change the order).
    """
    params = list(model.parameters())
    ema_params = list(ema.parameters())
    buffers = list(model.buffers())
    ema_buffers = list(ema.buffers())
    if len(params) != len(ema_params) or len(buffers) != len(ema_buffers):
        raise ValueError(f'update_ema: the EMA copy has {len(ema_params)} parameters and '
                         f'{len(ema_buffers)} buffers, the model {len(params)} and '
                         f'{len(buffers)}; the EMA module must be a copy of the model')
    for p_ema, p in zip(ema_params, params):
        p_ema.copy_(p.detach().lerp(p_ema, beta))
    for b_ema, b in zip(ema_buffers, buffers):
        b_ema.copy_(b)
