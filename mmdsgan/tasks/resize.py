"""Bringing a label map to the output grid (shared by the tasks' ``targets``)."""
from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ['resize_nearest']


def resize_nearest(label: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """(1, h, w) label -> (1, H, W), pixel-centre nearest neighbour; dtype kept."""
    if tuple(label.shape[-2:]) == tuple(size):
        return label
    resized = F.interpolate(label[None].float(), size=size, mode='nearest-exact')
    return resized[0].to(label.dtype)
