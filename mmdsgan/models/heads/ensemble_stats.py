"""Reductions over an ensemble's outputs and the keypoint heatmap maths (pure torch).

Conventions: member outputs carry the member axis at dim 1, e.g. probabilities (N, M, K, ...).
Entropies use the natural logarithm, so Jensen-Shannon divergence lies in [0, log M].
Keypoints are ``(x, y)`` in pixel units of the map they refer to, pixel centres at integers.
"""
from __future__ import annotations

import math

import torch

__all__ = ['entropy', 'js_divergence', 'majority_vote', 'top_ratio_score',
           'gaussian_heatmap_values', 'decode_keypoints']


def entropy(probs: torch.Tensor, dim: int) -> torch.Tensor:
    """Shannon entropy along ``dim`` (0 log 0 = 0)."""
    return -torch.xlogy(probs, probs).sum(dim)


def js_divergence(probs: torch.Tensor) -> torch.Tensor:
    """Jensen-Shannon divergence of the members: H(mean_m p_m) - mean_m H(p_m).

    Args:
        probs: (N, M, K, ...) per-member class probabilities.

    Returns:
        (N, ...) non-negative; 0 exactly where all members agree.
    """
    mean_entropy = entropy(probs, dim=2).mean(1)  # (N, ...)
    return (entropy(probs.mean(1), dim=1) - mean_entropy).clamp(min=0)


def majority_vote(member_labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Most frequent label over the members; ties go to the smallest class id (as scipy's mode,
    which DatasetGAN uses).

    Args:
        member_labels: (N, M, ...) long per-member argmax.
        num_classes: K.

    Returns:
        (N, ...) long.
    """
    shape = member_labels.shape
    counts = member_labels.new_zeros((shape[0], num_classes, *shape[2:]))  # (N, K, ...)
    counts.scatter_add_(1, member_labels, torch.ones_like(member_labels))
    return counts.argmax(1)  # argmax returns the first maximum: the smallest id on ties


def top_ratio_score(uncertainty: torch.Tensor, top_ratio: float) -> torch.Tensor:
    """Per-image score: the mean of the ``ceil(top_ratio * pixels)`` largest values (at least 1).

    Args:
        uncertainty: (N, H, W).
        top_ratio: fraction in (0, 1].

    Returns:
        (N,).
    """
    if not 0 < top_ratio <= 1:
        raise ValueError(f'top_ratio must be in (0, 1], got {top_ratio}')
    flat = uncertainty.flatten(1)  # (N, H*W)
    k = max(1, math.ceil(top_ratio * flat.shape[1]))
    return flat.topk(k, dim=1).values.mean(1)


def gaussian_heatmap_values(keypoints: torch.Tensor, coords: torch.Tensor,
                            sigma: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Target heatmap values ``exp(-d^2 / (2 sigma^2))`` at given pixels.

    Args:
        keypoints: (N, K, 3) float ``(x, y, visible)``; a keypoint is used where ``visible > 0``
            and its coordinates are finite.
        coords: (P, 3) long ``(batch_index, y, x)``.
        sigma: Gaussian standard deviation in pixels.

    Returns:
        ``(values, valid)``: (P, K) float targets and (P, K) bool mask of usable keypoints.
    """
    kp = keypoints[coords[:, 0]]  # (P, K, 3)
    dx = coords[:, 2:3].to(kp.dtype) - kp[..., 0]  # (P, K)
    dy = coords[:, 1:2].to(kp.dtype) - kp[..., 1]
    valid = (kp[..., 2] > 0) & torch.isfinite(kp[..., :2]).all(-1)
    values = torch.exp(-(dx * dx + dy * dy) / (2 * sigma ** 2))
    return torch.where(valid, values, torch.zeros_like(values)), valid


def decode_keypoints(heatmaps: torch.Tensor, method: str = 'argmax') -> torch.Tensor:
    """Keypoint coordinates from heatmaps.

    Methods:
        ``'argmax'``: the maximum pixel, then shifted a quarter pixel along each axis towards the
            larger neighbour (the refinement of SimpleBaseline/HRNet; no shift at the border or
            when the neighbours are equal). Robust to spurious mass away from the peak.
        ``'centroid'``: a soft-argmax restricted to the peak: the mean pixel position weighted
            by ``relu(heatmap - max / 2)``. Sub-pixel (~0.03 px on a sampled Gaussian) and blind
            to background below half the maximum, but pulled by a second peak above it.

    Args:
        heatmaps: (N, K, H, W).
        method: ``'argmax'`` or ``'centroid'``.

    Returns:
        (N, K, 2) float ``(x, y)``.
    """
    n, k, h, w = heatmaps.shape
    flat = heatmaps.reshape(n, k, h * w)
    if method == 'centroid':
        peak = flat.amax(-1, keepdim=True)  # (N, K, 1)
        weights = (flat - peak / 2).clamp(min=0).view(n, k, h, w)
        total = weights.sum((2, 3)).clamp(min=torch.finfo(heatmaps.dtype).tiny)
        xs = torch.arange(w, dtype=heatmaps.dtype, device=heatmaps.device)
        ys = torch.arange(h, dtype=heatmaps.dtype, device=heatmaps.device)
        return torch.stack([(weights.sum(2) * xs).sum(-1) / total,
                            (weights.sum(3) * ys).sum(-1) / total], -1)
    if method != 'argmax':
        raise ValueError(f'decode_keypoints: method must be "argmax" or "centroid", '
                         f'got {method!r}')
    index = flat.argmax(-1)  # (N, K)
    y, x = index // w, index % w

    def at(yy: torch.Tensor, xx: torch.Tensor) -> torch.Tensor:
        """Heatmap values at (N, K) positions, clamped into the map."""
        pos = yy.clamp(0, h - 1) * w + xx.clamp(0, w - 1)
        return flat.gather(-1, pos.unsqueeze(-1)).squeeze(-1)

    dx = torch.sign(at(y, x + 1) - at(y, x - 1)) * ((x > 0) & (x < w - 1))  # 0 at the border
    dy = torch.sign(at(y + 1, x) - at(y - 1, x)) * ((y > 0) & (y < h - 1))
    return torch.stack([x + 0.25 * dx, y + 0.25 * dy], -1).to(heatmaps.dtype)
