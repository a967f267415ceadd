"""Real images -> w+ latents: the encoder's estimate (or w_avg), then per-image optimisation.

:func:`build_inverter` reads a config: ``model`` (a :class:`GeneratorInversionModel`: the
generator and the encoder architecture) and ``inversion``::

    inversion = dict(steps=500, lr=0.1, lpips_weight=10.0, mse_weight=1.0, latent_weight=1.0,
                     use_lpips=True, lpips_backbone=None, encoder_checkpoint=None, n_iters=None,
                     batch_size=4, crop=None)

``encoder_checkpoint=None`` starts every image from ``w_avg`` (the NVIDIA projector's start);
``steps=0`` keeps the encoder's estimate. Metrics: PSNR of the uint8 reconstruction against the
uint8 fitted real image (peak 255), and LPIPS (VGG) when LPIPS is on.

A generator with a content window (``inversion.crop = dict(top=, left=, height=, width=)``, e.g. the
LSUN-car 512x384 car in rows 64..448 of its 512x512 frame; the same window as the interpreter's
``model.crop``) is inverted as HandsOff does: real images are fitted to the window (``fit_size``),
padded with black into the frame for the encoder and the generator, and every loss and metric
compares the window only; reconstructions come back at the window's size.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
import torch
from mmengine.runner import load_checkpoint
from mmseg.registry import MODELS
from torch import nn

from mmdsgan.utils.errors import ConfigError, InputError

from mmdsgan.models.crop import crop_region, pad_into_frame, parse_crop

from .lpips_loss import build_lpips
from .optimizer import optimize_latents

__all__ = ['INVERSION_DEFAULTS', 'InversionResult', 'ImageInverter', 'build_inverter',
           'to_tensor_images', 'to_uint8_images', 'psnr_uint8']

INVERSION_DEFAULTS: dict[str, Any] = dict(
    steps=500, lr=0.1, lpips_weight=10.0, mse_weight=1.0, latent_weight=1.0, use_lpips=True,
    lpips_backbone=None, encoder_checkpoint=None, n_iters=None, batch_size=4, crop=None)


def to_tensor_images(images: np.ndarray, device: torch.device | str = 'cpu') -> torch.Tensor:
    """(N, R, R, 3) uint8 -> (N, 3, R, R) float in [-1, 1]."""
    x = torch.from_numpy(np.ascontiguousarray(images)).to(device).permute(0, 3, 1, 2)
    return x.float() / 127.5 - 1  # (N, 3, R, R)


def to_uint8_images(images: torch.Tensor) -> np.ndarray:
    """(N, 3, R, R) in [-1, 1] -> (N, R, R, 3) uint8."""
    x = ((images.detach().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    return x.permute(0, 2, 3, 1).cpu().numpy()  # (N, R, R, 3)


def psnr_uint8(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-image PSNR (dB, peak 255) of (N, R, R, 3) uint8 pairs; inf when identical."""
    mse = ((a.astype(np.float64) - b.astype(np.float64)) ** 2).reshape(len(a), -1).mean(axis=1)
    with np.errstate(divide='ignore'):
        return 10 * np.log10(255.0 ** 2 / mse)


@dataclass
class InversionResult:
    """Attributes:
        ws: (N, num_ws, w_dim) float32 latents.
        recon: (N, H, W, 3) uint8 reconstructions G(ws) (H, W: the inverter's ``fit_size``).
        psnr: (N,) dB; lpips: (N,) or None.
        start_psnr: (N,) PSNR of the starting latent (encoder estimate or w_avg).
    """
    ws: np.ndarray
    recon: np.ndarray
    psnr: np.ndarray
    lpips: np.ndarray | None
    start_psnr: np.ndarray


class ImageInverter:
    """Encoder estimate + optimisation for batches of images.

    Args:
        generator: frozen StyleGAN2 generator.
        encoder_model: a :class:`GeneratorInversionModel` whose encoder gives the start, or None
            to start from ``w_avg``.
        lpips: LPIPS module or None (MSE only).
        steps, lr, lpips_weight, mse_weight, latent_weight: see :func:`optimize_latents`.
        n_iters: encoder refinement passes (None: the model's).
        region: ``(top, left, height, width)`` content window of the generator's frame, or None
            (the whole R x R image).
    """

    def __init__(self, generator: nn.Module, encoder_model: nn.Module | None = None,
                 lpips: nn.Module | None = None, steps: int = 500, lr: float = 0.1,
                 lpips_weight: float = 10.0, mse_weight: float = 1.0, latent_weight: float = 1.0,
                 n_iters: int | None = None,
                 region: tuple[int, int, int, int] | None = None) -> None:
        self.generator, self.encoder_model, self.lpips = generator, encoder_model, lpips
        self.steps, self.lr, self.n_iters = steps, lr, n_iters
        self.region = None if region is None else tuple(int(v) for v in region)
        self.lpips_weight, self.mse_weight, self.latent_weight = (lpips_weight, mse_weight,
                                                                  latent_weight)

    @property
    def device(self) -> torch.device:
        return self.generator.w_avg.device

    @property
    def frame(self) -> tuple[int, int]:
        """(R, R): the generator's image."""
        return self.generator.img_resolution, self.generator.img_resolution

    @property
    def fit_size(self) -> tuple[int, int]:
        """(H, W) real images are fitted to: the content window, else the frame."""
        return self.frame if self.region is None else self.region[2:]

    @torch.no_grad()
    def start(self, target: torch.Tensor) -> torch.Tensor:
        """(N, 3, R, R) -> starting w+ (N, num_ws, w_dim)."""
        G = self.generator
        if self.encoder_model is None:
            return G.w_avg.expand(target.shape[0], G.num_ws, G.w_dim).clone()
        return self.encoder_model.encode(target, self.n_iters)

    def invert(self, images: np.ndarray) -> InversionResult:
        """(N, H, W, 3) uint8 real images fitted to ``fit_size`` -> :class:`InversionResult`."""
        G = self.generator
        height, width = self.fit_size
        if images.ndim != 4 or images.shape[1:3] != (height, width):
            raise InputError(f'images of shape {images.shape}: fit them to the generator\'s '
                             f'{height}x{width} first (SquareFit.for_shape(H, W, '
                             f'{(height, width) if self.region else height}))')
        window = to_tensor_images(images, self.device)  # (N, 3, H, W)
        target = pad_into_frame(window, self.region, self.frame)  # (N, 3, R, R)
        w_start = self.start(target)
        with torch.no_grad():
            start_recon = to_uint8_images(
                crop_region(G.synthesis(w_start, noise_mode='const'), self.region))
        result = optimize_latents(G, target, w_start, steps=self.steps, lr=self.lr,
                                  lpips=self.lpips, lpips_weight=self.lpips_weight,
                                  mse_weight=self.mse_weight, latent_weight=self.latent_weight,
                                  region=self.region)
        with torch.no_grad():
            recon_t = crop_region(G.synthesis(result.ws, noise_mode='const'),
                                  self.region)  # (N, 3, H, W)
            recon = to_uint8_images(recon_t)
            lpips = None
            if self.lpips is not None:
                lpips = self.lpips(to_tensor_images(recon, self.device), window).flatten()
                lpips = lpips.cpu().numpy()
        return InversionResult(result.ws.cpu().numpy().astype(np.float32), recon,
                               psnr_uint8(recon, images), lpips, psnr_uint8(start_recon, images))


def build_inverter(cfg: Mapping[str, Any], device: torch.device | str = 'cpu'
                   ) -> tuple[ImageInverter, dict[str, Any]]:
    """An :class:`ImageInverter` from a config with ``model`` and ``inversion``.

    Returns:
        The inverter and the merged ``inversion`` settings (defaults filled in).
    """
    settings = {**INVERSION_DEFAULTS, **dict(cfg.get('inversion') or {})}
    unknown = sorted(set(settings) - set(INVERSION_DEFAULTS))
    if unknown:
        raise ConfigError(f'inversion has unknown keys {unknown}; known: '
                          f'{sorted(INVERSION_DEFAULTS)}')
    for key, low in (('batch_size', 1), ('steps', 0)):
        if not isinstance(settings[key], int) or settings[key] < low:
            raise ConfigError(f'inversion.{key} must be an integer >= {low}, got '
                              f'{settings[key]!r}')
    if 'model' not in cfg:
        raise ConfigError('the config has no "model": inherit the encoder config (it names the '
                          'generator checkpoint and the encoder architecture)')
    # The training loss's LPIPS is irrelevant here: inversion builds its own below.
    model = MODELS.build(dict(cfg['model'], lpips_weight=0.0)).to(device).eval()
    encoder_model = None
    if settings['encoder_checkpoint']:
        # strict: an encoder trained with another architecture must not load half-way
        try:
            load_checkpoint(model, settings['encoder_checkpoint'], map_location='cpu',
                            strict=True)
        except RuntimeError as err:
            raise RuntimeError(
                f'{settings["encoder_checkpoint"]} does not fit this config\'s model.encoder / '
                f'model.iterative: invert with (or inherit from) the config the encoder was '
                f'trained with. {err}') from err
        encoder_model = model
    lpips = build_lpips(settings['lpips_backbone']).to(device) if settings['use_lpips'] else None
    G = model.generator
    inverter = ImageInverter(model.generator, encoder_model, lpips, steps=settings['steps'],
                             lr=settings['lr'], lpips_weight=settings['lpips_weight'],
                             mse_weight=settings['mse_weight'],
                             latent_weight=settings['latent_weight'], n_iters=settings['n_iters'],
                             region=parse_crop(settings['crop'], (G.img_resolution,) * 2,
                                               'inversion.crop'))
    return inverter, settings
