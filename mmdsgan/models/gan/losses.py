"""StyleGAN2 losses: non-saturating logistic GAN loss, R1 penalty, path-length penalty.

Logits are the discriminator's raw outputs (N, 1); ``softplus(t) = log(1 + exp(t))``, so
``softplus(-D(x)) = -log sigmoid(D(x))``.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

__all__ = ['generator_loss', 'discriminator_loss', 'r1_penalty', 'path_lengths']


def generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """Non-saturating G loss ``mean(softplus(-D(G(z))))`` (scalar)."""
    return F.softplus(-fake_logits.float()).mean()


def discriminator_loss(real_logits: torch.Tensor,
                       fake_logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Logistic D loss terms ``mean(softplus(-D(x)))`` (reals) and ``mean(softplus(D(G(z))))``
    (fakes); the D loss is their sum."""
    return F.softplus(-real_logits.float()).mean(), F.softplus(fake_logits.float()).mean()


def r1_penalty(real_logits: torch.Tensor, real_img: torch.Tensor) -> torch.Tensor:
    """R1 gradient penalty ``|∇_x D(x)|²`` per real image (Mescheder et al. 2018).

    The graph is kept (``create_graph=True``) so that the penalty can be minimised w.r.t. the
    discriminator's weights. StyleGAN2 minimises ``gamma / 2 * mean(penalty)``.

    Args:
        real_logits: (N, 1) D outputs computed from ``real_img``.
        real_img: (N, C, H, W) the input that ``requires_grad``.

    Returns:
        (N,) squared gradient norms.
    """
    if not real_img.requires_grad:
        raise ValueError('r1_penalty: real_img must require grad (call '
                         'real_img.detach().requires_grad_(True) before the D forward)')
    (grads,) = torch.autograd.grad(outputs=real_logits.float().sum(), inputs=real_img,
                                   create_graph=True)  # (N, C, H, W)
    return grads.float().square().sum(dim=[1, 2, 3])


def path_lengths(img: torch.Tensor, ws: torch.Tensor) -> torch.Tensor:
    """Path lengths ``|J_w^T y|`` for one random image-space direction y per sample.

    ``y ~ N(0, I) / sqrt(H * W)``; the length averages the squared gradient over the ws:
    ``sqrt(mean_k sum_d g[n, k, d]²)`` (NVIDIA's ``pl_lengths``). The graph is kept.

    Args:
        img: (N, C, H, W) generator output computed from ``ws``.
        ws: (N, num_ws, w_dim) the synthesis input.

    Returns:
        (N,) path lengths.
    """
    noise = torch.randn_like(img) / math.sqrt(img.shape[2] * img.shape[3])
    (grads,) = torch.autograd.grad(outputs=(img * noise).sum(), inputs=ws, create_graph=True)
    return grads.square().sum(dim=2).mean(dim=1).sqrt()  # (N,)
