"""Per-image W+ optimisation: the projector schedule, reconstruction gains, best-loss latents."""
from __future__ import annotations

import math

import pytest
import torch

from mmdsgan.models.inversion import optimize_latents, projector_lr
from mmdsgan.models.inversion.inverter import psnr_uint8, to_uint8_images


def test_projector_lr_schedule():
    assert projector_lr(0, 100, 0.1) == 0.0
    assert projector_lr(2, 100, 0.1) == pytest.approx(0.1 * 0.4)  # ramp-up over the first 5 %
    assert projector_lr(50, 100, 0.1) == pytest.approx(0.1)  # flat in between
    assert projector_lr(75, 100, 0.1) == pytest.approx(0.1)
    assert projector_lr(90, 100, 0.1) == pytest.approx(0.1 * (0.5 - 0.5 * math.cos(math.pi * 0.4)))
    assert projector_lr(100, 100, 0.1) == pytest.approx(0.0)


def test_optimisation_from_w_avg_raises_psnr(generated_targets):
    G, ws, target = generated_targets
    target_u8 = to_uint8_images(target)
    w_avg = G.w_avg.expand_as(ws).clone()
    start = psnr_uint8(to_uint8_images(G.synthesis(w_avg)), target_u8)
    result = optimize_latents(G, target, w_avg, steps=40, lr=0.1, lpips=None, latent_weight=0.0)
    final = psnr_uint8(to_uint8_images(G.synthesis(result.ws)), target_u8)
    assert result.ws.shape == ws.shape
    assert start.mean() < 11.0  # w_avg's image is far from the targets
    assert final.mean() > start.mean() + 7.0  # measured: 9.3 -> 18.5 dB
    assert (final > start + 4.0).all()


def test_best_loss_latent_is_kept_and_zero_steps_keep_the_start(generated_targets):
    G, ws, target = generated_targets
    w_avg = G.w_avg.expand_as(ws).clone()
    # a rate far too high makes late steps worse: the best latent must still be returned
    result = optimize_latents(G, target, w_avg, steps=12, lr=5.0, latent_weight=0.0)
    with torch.no_grad():
        recon = G.synthesis(result.ws)
        loss = ((recon - target) / 2).square().flatten(1).mean(1)
    torch.testing.assert_close(loss, result.recon_loss)
    assert result.recon_loss.mean().item() <= min(result.history) + 1e-6
    kept = optimize_latents(G, target, ws, steps=0)
    assert torch.equal(kept.ws, ws) and kept.recon_loss.max().item() < 1e-12


def test_latent_regulariser_holds_the_start(generated_targets):
    G, ws, target = generated_targets
    w_avg = G.w_avg.expand_as(ws).clone()
    free = optimize_latents(G, target, w_avg, steps=10, lr=0.1, latent_weight=0.0).ws
    held = optimize_latents(G, target, w_avg, steps=10, lr=0.1, latent_weight=1e4).ws
    assert (held - w_avg).abs().mean() < 0.5 * (free - w_avg).abs().mean()
