"""StyleGAN2 training as an MMEngine model: one ``train_step`` = D step(s), G step, EMA update.

The loss terms follow StyleGAN2(-ADA): non-saturating logistic loss, lazy R1 on reals every
``r1_interval`` D steps, optional lazy path-length regularisation every ``pl_interval`` G steps,
style mixing. A lazy regulariser is computed every ``k`` steps and weighted by ``k``, added to
that step's main loss (one optimizer step); compensate Adam with ``c = k / (k + 1)``:
``lr * c`` and ``betas ** c`` (done in the configs).
"""
from __future__ import annotations

import copy
from contextlib import nullcontext
from typing import Any, Sequence

import torch
from mmengine.dist import get_world_size
from mmengine.model import BaseModel
from mmengine.optim import OptimWrapper, OptimWrapperDict
from mmseg.registry import MODELS
from torch import nn

from mmdsgan.models.generators import Generator, z_from_seeds

from .ema import ema_beta, update_ema
from .losses import discriminator_loss, generator_loss, path_lengths, r1_penalty

__all__ = ['StyleGAN2GAN']

# Images from an MMSeg pipeline are uint8 BGR (N, 3, H, W): RGB in [-1, 1] for the GAN.
DEFAULT_PREPROCESSOR = dict(type='ImgDataPreprocessor', mean=[127.5] * 3, std=[127.5] * 3,
                            bgr_to_rgb=True)


def _no_sync(module: nn.Module):
    """``module.no_sync()`` for a DistributedDataParallel module (no gradient all-reduce for a
    forward whose parameters get no gradient), else a null context."""
    return module.no_sync() if hasattr(module, 'no_sync') else nullcontext()


@MODELS.register_module()
class StyleGAN2GAN(BaseModel):
    """StyleGAN2 generator + residual discriminator + EMA generator, trained by the Runner.

    Args:
        generator: :class:`~mmdsgan.models.generators.Generator` kwargs (no ``type``), e.g.
            ``dict(z_dim=512, c_dim=0, w_dim=512, img_resolution=64,
            mapping_kwargs=dict(num_layers=2), synthesis_kwargs=dict(channel_base=16384,
            channel_max=512))``. Unconditional only (``c_dim=0``).
        discriminator: discriminator config (``type`` defaults to ``StyleGAN2Discriminator``;
            ``img_resolution`` / ``img_channels`` default to the generator's).
        data_preprocessor: turns the dataloader's batch into ``inputs`` (N, 3, R, R) RGB in
            [-1, 1]; default: ``ImgDataPreprocessor`` with mean = std = 127.5, BGR -> RGB.
        augment: differentiable augmentation applied to reals and fakes before D (e.g.
            ``dict(type='DiffAugment', prob=0.5)``, or ``dict(type='AdaptiveAugment')`` whose
            probability D's overfitting signal steers), None = none.
        r1_gamma: R1 weight gamma (loss ``gamma / 2 * |grad D(x)|²``); 0 = no R1. StyleGAN2-ADA
            heuristic: ``0.0002 * R² / batch_size``.
        r1_interval: lazy R1 every this many D steps (16 in StyleGAN2).
        pl_weight: path-length regularisation weight (2 in StyleGAN2); 0 = off (default, fast).
        pl_interval: lazy path-length regularisation every this many G steps (4).
        pl_batch_shrink: the PL batch is ``batch_size // pl_batch_shrink``.
        pl_decay: decay of the running mean path length.
        style_mixing_prob: probability that a G batch mixes two latents at a random cutoff.
        disc_steps: D steps (each with new fakes, the same reals) per iteration.
        ema_kimg: EMA half-life in thousands of images (ADA: ``batch_size * 10 / 32``).
        ema_rampup: EMA ramp-up ratio (ADA: 0.05), None = no ramp-up.
        init_cfg: MMEngine init config.

    Attributes:
        generator / discriminator: the trained networks.
        generator_ema: the EMA copy (eval mode, no gradients): the generator to export.

    ``train_step`` logs ``loss_gen``, ``loss_disc`` (= ``loss_disc_real + loss_disc_fake``),
    ``loss_r1`` (``gamma / 2 * mean |grad|²``, on R1 steps), ``loss_pl`` (on PL steps),
    ``score_real`` / ``score_fake`` (mean D logits) and ``ema_beta``; with
    ``AdaptiveAugment``, ``ada_p`` (its probability) and ``ada_rt`` (``E[sign(D(real))]``).
    """

    def __init__(self, generator: dict, discriminator: dict | None = None,
                 data_preprocessor: dict | None = None, augment: dict | None = None,
                 r1_gamma: float = 10.0, r1_interval: int = 16, pl_weight: float = 0.0,
                 pl_interval: int = 4, pl_batch_shrink: int = 2, pl_decay: float = 0.01,
                 style_mixing_prob: float = 0.9, disc_steps: int = 1, ema_kimg: float = 10.0,
                 ema_rampup: float | None = 0.05, init_cfg: dict | None = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor or copy.deepcopy(DEFAULT_PREPROCESSOR),
                         init_cfg=init_cfg)
        for name, value in dict(r1_interval=r1_interval, pl_interval=pl_interval,
                                pl_batch_shrink=pl_batch_shrink, disc_steps=disc_steps).items():
            if int(value) != value or value < 1:
                raise ValueError(f'StyleGAN2GAN: {name} must be an integer >= 1, got {value}')
        if r1_gamma < 0 or pl_weight < 0 or not 0 <= style_mixing_prob <= 1:
            raise ValueError(f'StyleGAN2GAN: need r1_gamma >= 0, pl_weight >= 0 and '
                             f'0 <= style_mixing_prob <= 1; got {r1_gamma}, {pl_weight}, '
                             f'{style_mixing_prob}')
        self.generator = self._build_generator(generator)
        self.discriminator = self._build_discriminator(discriminator, self.generator)
        self.generator_ema = copy.deepcopy(self.generator).eval().requires_grad_(False)
        self.augment = MODELS.build(augment) if augment is not None else None
        self.r1_gamma = r1_gamma
        self.r1_interval = int(r1_interval)
        self.pl_weight = pl_weight
        self.pl_interval = int(pl_interval)
        self.pl_batch_shrink = int(pl_batch_shrink)
        self.pl_decay = pl_decay
        self.style_mixing_prob = style_mixing_prob
        self.disc_steps = int(disc_steps)
        self.ema_kimg = ema_kimg
        self.ema_rampup = ema_rampup
        # Training state kept in checkpoints, so that a resumed run continues the schedules.
        self.register_buffer('num_d_steps', torch.zeros((), dtype=torch.int64))
        self.register_buffer('num_g_steps', torch.zeros((), dtype=torch.int64))
        self.register_buffer('num_images', torch.zeros((), dtype=torch.int64))
        self.register_buffer('pl_mean', torch.zeros(()))

    @staticmethod
    def _build_generator(cfg: dict) -> Generator:
        cfg = dict(cfg)
        if cfg.pop('type', 'Generator') not in ('Generator', Generator):
            raise ValueError('StyleGAN2GAN: model.generator holds Generator kwargs (z_dim, w_dim, '
                             'img_resolution, mapping_kwargs, synthesis_kwargs), not a type')
        if cfg.get('c_dim', 0):
            raise ValueError(f'StyleGAN2GAN trains unconditional generators: set '
                             f'model.generator.c_dim=0 (got {cfg["c_dim"]})')
        return Generator(**cfg)

    @staticmethod
    def _build_discriminator(cfg: dict | None, G: Generator) -> nn.Module:
        cfg = dict(cfg or {})
        cfg.setdefault('type', 'StyleGAN2Discriminator')
        cfg.setdefault('img_resolution', G.img_resolution)
        cfg.setdefault('img_channels', G.img_channels)
        if (cfg['img_resolution'], cfg['img_channels']) != (G.img_resolution, G.img_channels):
            raise ValueError(f'StyleGAN2GAN: model.discriminator sees {cfg["img_channels"]}x'
                             f'{cfg["img_resolution"]}px images but the generator makes '
                             f'{G.img_channels}x{G.img_resolution}px; remove img_resolution / '
                             f'img_channels from model.discriminator')
        return MODELS.build(cfg)

    def train(self, mode: bool = True) -> 'StyleGAN2GAN':
        """Train mode for G and D; the EMA generator always stays in eval mode."""
        super().train(mode)
        self.generator_ema.eval()
        return self

    # ----------------------------------------------------------------------------- training

    def train_step(self, data: dict | tuple | list,
                   optim_wrapper: OptimWrapperDict) -> dict[str, torch.Tensor]:
        """D step(s), G step, EMA update; returns the log variables (scalars)."""
        if not isinstance(optim_wrapper, OptimWrapperDict) or \
                not {'generator', 'discriminator'} <= set(optim_wrapper.keys()):
            raise TypeError('StyleGAN2GAN needs optim_wrapper with a "generator" and a '
                            '"discriminator" entry and constructor="GANOptimWrapperConstructor" '
                            '(see configs/gan/_base_/stylegan2_runtime.py)')
        real = self._real_images(self.data_preprocessor(data, True)['inputs'])
        log: dict[str, torch.Tensor] = {}
        for _ in range(self.disc_steps):
            log.update(self._train_discriminator(real, optim_wrapper['discriminator']))
        log.update(self._train_generator(real.shape[0], real.device, optim_wrapper['generator']))
        log['ema_beta'] = torch.tensor(self._update_ema(real.shape[0]))
        return log

    def _real_images(self, inputs: Any) -> torch.Tensor:
        G = self.generator
        expected = (G.img_channels, G.img_resolution, G.img_resolution)
        if not isinstance(inputs, torch.Tensor) or inputs.ndim != 4 or \
                tuple(inputs.shape[1:]) != expected:
            got = tuple(inputs.shape) if isinstance(inputs, torch.Tensor) else type(inputs)
            raise ValueError(f'StyleGAN2GAN: training images must be (N, {expected[0]}, '
                             f'{expected[1]}, {expected[2]}) after the data preprocessor, got '
                             f'{got}; add dict(type="Resize", scale=({expected[1]}, '
                             f'{expected[2]}), keep_ratio=False) to the train pipeline or set '
                             f'model.generator.img_resolution to the data size')
        return inputs.float()

    def _run_discriminator(self, img: torch.Tensor) -> torch.Tensor:
        """(N, C, R, R) -> (N, 1) logits, after the augmentation (if any)."""
        return self.discriminator(self.augment(img) if self.augment is not None else img)

    def _generate(self, num: int, device: torch.device) -> tuple[torch.Tensor, torch.Tensor]:
        """Training samples of the generator with style mixing and random noise.

        Returns: img (N, C, R, R), ws (N, num_ws, w_dim) (the synthesis input).
        """
        G = self.generator
        z = torch.randn(num, G.z_dim, device=device)
        # The mapping runs in float32 even under AMP (as StyleGAN2-ADA; it is cheap), which
        # also keeps its w_avg update in float32.
        with torch.autocast(device_type=device.type, enabled=False):
            ws = G.mapping(z, None)  # (N, num_ws, w_dim)
            if self.style_mixing_prob > 0 and float(torch.rand(())) < self.style_mixing_prob:
                cutoff = int(torch.randint(1, G.num_ws, ()))
                ws_mix = G.mapping(torch.randn_like(z), None, skip_w_avg_update=True)
                ws = torch.cat([ws[:, :cutoff], ws_mix[:, cutoff:]], dim=1)
        return G.synthesis(ws, noise_mode='random'), ws

    def _train_discriminator(self, real: torch.Tensor,
                             optim_wrapper: OptimWrapper) -> dict[str, torch.Tensor]:
        with torch.no_grad():
            fake, _ = self._generate(real.shape[0], real.device)
        with optim_wrapper.optim_context(self.discriminator):
            real_logits = self._run_discriminator(real)  # (N, 1)
            fake_logits = self._run_discriminator(fake)  # (N, 1)
            loss_real, loss_fake = discriminator_loss(real_logits, fake_logits)
        loss = loss_real + loss_fake
        log = dict(loss_disc=loss.detach(), loss_disc_real=loss_real.detach(),
                   loss_disc_fake=loss_fake.detach(), score_real=real_logits.detach().mean(),
                   score_fake=fake_logits.detach().mean())
        if self.r1_gamma > 0 and int(self.num_d_steps) % self.r1_interval == 0:
            # In float32 (outside the autocast context): squared gradients underflow in fp16.
            real_grad = real.detach().requires_grad_(True)
            penalty = r1_penalty(self._run_discriminator(real_grad), real_grad)  # (N,)
            loss_r1 = penalty.mean() * (self.r1_gamma / 2)
            loss = loss + loss_r1 * self.r1_interval
            log['loss_r1'] = loss_r1.detach()
        optim_wrapper.update_params(loss)
        if hasattr(self.augment, 'observe'):  # adaptive augmentation (ADA): steer p by D(real)
            self.augment.observe(real_logits.detach())
            log['ada_p'] = self.augment.p.detach().clone()
            if not torch.isnan(self.augment.rt):
                log['ada_rt'] = self.augment.rt.detach().clone()
        self.num_d_steps += 1
        return log

    def _train_generator(self, num: int, device: torch.device,
                         optim_wrapper: OptimWrapper) -> dict[str, torch.Tensor]:
        log = {}
        # D only passes gradients through to G: no weight gradients, no all-reduce for D.
        self.discriminator.requires_grad_(False)
        try:
            with optim_wrapper.optim_context(self.generator):
                fake, _ = self._generate(num, device)
                with _no_sync(self.discriminator):
                    loss = generator_loss(self._run_discriminator(fake))
            log['loss_gen'] = loss.detach()
            if self.pl_weight > 0 and int(self.num_g_steps) % self.pl_interval == 0:
                loss_pl = self._path_length_loss(max(num // self.pl_batch_shrink, 1), device)
                loss = loss + loss_pl * self.pl_interval
                log['loss_pl'] = loss_pl.detach()
            optim_wrapper.update_params(loss)
        finally:
            self.discriminator.requires_grad_(True)
        self.num_g_steps += 1
        return log

    def _path_length_loss(self, num: int, device: torch.device) -> torch.Tensor:
        """``pl_weight * mean((|J^T y| - a)²)`` with ``a`` the running mean path length."""
        img, ws = self._generate(num, device)
        lengths = path_lengths(img, ws)  # (N,)
        pl_mean = self.pl_mean.lerp(lengths.mean(), self.pl_decay)
        self.pl_mean.copy_(pl_mean.detach())
        return (lengths - pl_mean).square().mean() * self.pl_weight

    def _update_ema(self, batch_size: int) -> float:
        """Half-life EMA of G into ``generator_ema``; returns the beta used."""
        total = batch_size * get_world_size()
        beta = ema_beta(total, self.ema_kimg, int(self.num_images), self.ema_rampup)
        update_ema(self.generator_ema, self.generator, beta)
        self.num_images += total
        return beta

    # --------------------------------------------------------------------------- sampling

    @torch.no_grad()
    def sample(self, num: int | None = None, seeds: Sequence[int] | None = None,
               truncation_psi: float = 1.0, noise_mode: str = 'const') -> torch.Tensor:
        """Images of the EMA generator, (N, C, R, R) roughly in [-1, 1].

        Args:
            num: number of images from random z (the global RNG); or
            seeds: one image per seed (:func:`z_from_seeds`), reproducible.
            truncation_psi: truncation towards ``w_avg`` (1 = none).
            noise_mode: 'const', 'random' or 'none'.
        """
        G = self.generator_ema
        device = G.w_avg.device
        if (num is None) == (seeds is None):
            raise ValueError('StyleGAN2GAN.sample: give either num or seeds')
        z = (torch.randn(num, G.z_dim, device=device) if seeds is None
             else z_from_seeds(seeds, G.z_dim).to(device))
        ws = G.mapping(z, None, truncation_psi=truncation_psi, skip_w_avg_update=True)
        return G.synthesis(ws, noise_mode=noise_mode)

    def forward(self, inputs: torch.Tensor | None = None, data_samples: list | None = None,
                mode: str = 'tensor') -> torch.Tensor | list[dict]:
        """Sampling for ``val_step`` / ``test_step``: one EMA-generator image per input.

        ``mode='tensor'``: (N, C, R, R) images; ``'predict'``: a list of
        ``dict(fake_img=(C, R, R))``. Training goes through :meth:`train_step` ('loss' raises).
        """
        if mode == 'loss':
            raise RuntimeError('StyleGAN2GAN has no single loss forward: it trains G and D in '
                               'train_step with an OptimWrapperDict')
        if isinstance(inputs, torch.Tensor):
            num = inputs.shape[0]
        elif inputs is not None:
            num = len(inputs)
        else:
            num = len(data_samples or [])
        images = self.sample(num=num)
        if mode == 'tensor':
            return images
        if mode == 'predict':
            return [dict(fake_img=img) for img in images]
        raise ValueError(f"StyleGAN2GAN.forward: mode must be 'tensor' or 'predict', got {mode!r}")
