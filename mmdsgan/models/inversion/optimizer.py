"""Per-image W+ optimisation (HandsOff stage 2, StyleGAN2 projector schedule).

For a batch of target images, Adam optimises the W+ latents only (generator frozen, its stored
noise fixed) against::

    loss_i = lpips_weight * LPIPS(G(w_i), x_i) + mse_weight * MSE_[0,1](G(w_i), x_i)
             + latent_weight * MSE(w_i, w_start_i)

where MSE_[0,1] is the mean squared error of images mapped to [0, 1] and w_start is the starting
latent (the encoder's estimate, or w_avg). With a ``region`` (the content window of a non-square
generator, e.g. the LSUN-car 512x384 car in its 512x512 frame), the LPIPS and MSE terms compare that
window only: the padding around it never counts. The learning rate follows NVIDIA's projector:
``lr(t) = lr_max * (0.5 - 0.5 cos(pi * min(1, (1 - t) / 0.25))) * min(1, t / 0.05)`` with ``t = step
/ steps``. Images are independent: the batch loss is the sum of per-image losses and Adam's update
is element-wise. Per image, the latent with the lowest reconstruction loss (LPIPS + MSE terms, as
HandsOff keeps) seen over all steps is returned.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from mmdsgan.models.crop import crop_region

__all__ = ['projector_lr', 'image_losses', 'LatentOptimizationResult', 'optimize_latents']

RAMPDOWN = 0.25
RAMPUP = 0.05


def projector_lr(step: int, steps: int, lr_max: float) -> float:
    """NVIDIA's projector learning rate at ``step`` of ``steps`` (0 at step 0, cosine ramp-down
    over the last 25 %, linear ramp-up over the first 5 %)."""
    t = step / steps
    ramp = min(1.0, (1.0 - t) / RAMPDOWN)
    ramp = 0.5 - 0.5 * math.cos(math.pi * ramp)
    return lr_max * ramp * min(1.0, t / RAMPUP)


def image_losses(recon: torch.Tensor, target: torch.Tensor, lpips: nn.Module | None,
                 lpips_weight: float, mse_weight: float,
                 region: tuple[int, int, int, int] | None = None) -> torch.Tensor:
    """Per-image reconstruction loss (N,) of images (N, 3, H, W) in [-1, 1], on their
    ``region`` ``(top, left, height, width)`` only when given."""
    recon, target = crop_region(recon, region), crop_region(target, region)
    mse = ((recon - target) / 2).square().flatten(1).mean(dim=1)  # (N,) on the [0, 1] scale
    loss = mse_weight * mse
    if lpips is not None and lpips_weight:
        loss = loss + lpips_weight * lpips(recon, target).flatten()  # (N,)
    return loss


@dataclass
class LatentOptimizationResult:
    """Attributes:
        ws: (N, num_ws, w_dim) best latents.
        recon_loss: (N,) their reconstruction loss.
        history: mean reconstruction loss over the batch, per step.
    """
    ws: torch.Tensor
    recon_loss: torch.Tensor
    history: list[float]


def optimize_latents(generator: nn.Module, target: torch.Tensor, w_start: torch.Tensor,
                     steps: int = 500, lr: float = 0.1, lpips: nn.Module | None = None,
                     lpips_weight: float = 10.0, mse_weight: float = 1.0,
                     latent_weight: float = 1.0, noise_mode: str = 'const',
                     region: tuple[int, int, int, int] | None = None
                     ) -> LatentOptimizationResult:
    """Optimise W+ for each target image (rule in the module doc).

    Args:
        generator: frozen StyleGAN2 (``synthesis(ws, noise_mode)``).
        target: (N, 3, R, R) images in [-1, 1].
        w_start: (N, num_ws, w_dim) starting latents, also the latent regulariser's anchor.
        steps: Adam steps (0: evaluate ``w_start`` only).
        lr: peak learning rate.
        lpips: LPIPS module (:func:`~.lpips_loss.build_lpips`) or None for MSE only.
        lpips_weight, mse_weight, latent_weight: loss weights.
        noise_mode: synthesis noise ('const': the stored noise, not optimised).
        region: ``(top, left, height, width)``: the reconstruction loss on this window only.
    """
    anchor = w_start.detach()
    ws = anchor.clone().requires_grad_(True)
    optimizer = torch.optim.Adam([ws], lr=lr, betas=(0.9, 0.999))
    best_ws = anchor.clone()
    best_loss = torch.full((len(ws),), math.inf, device=ws.device)
    history = []
    for step in range(steps + 1):  # the last pass only scores the final latent
        recon = generator.synthesis(ws, noise_mode=noise_mode)  # (N, 3, R, R)
        recon_loss = image_losses(recon, target, lpips, lpips_weight, mse_weight,
                                  region)  # (N,)
        with torch.no_grad():
            better = recon_loss < best_loss
            best_loss = torch.where(better, recon_loss, best_loss)
            best_ws[better] = ws[better]
            history.append(float(recon_loss.mean()))
        if step == steps:
            break
        latent_loss = (ws - anchor).square().flatten(1).mean(dim=1)  # (N,)
        loss = (recon_loss + latent_weight * latent_loss).sum()
        for group in optimizer.param_groups:
            group['lr'] = projector_lr(step, steps, lr)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    return LatentOptimizationResult(best_ws.detach(), best_loss.detach(), history)
