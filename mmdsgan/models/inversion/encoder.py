"""A ResNet-like image encoder that predicts W+ offsets (the first stage of HandsOff inversion).

Image (and, ReStyle-style, the current reconstruction) -> a stem conv -> stages of two residual
blocks, each stage halving the resolution down to 4x4 -> flatten -> MLP -> (num_ws, w_dim).
The output is an offset: from ``w_avg`` on the first pass, from the current estimate on
refinement passes. The last layer starts at zero, so an untrained encoder returns its start.
"""
from __future__ import annotations

import math

import torch
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import nn

__all__ = ['InversionEncoder']

FINAL_RESOLUTION = 4


class _ResidualBlock(nn.Module):
    """conv3x3-BN-LReLU-conv3x3-BN + (strided 1x1 conv) shortcut, then LReLU."""

    def __init__(self, in_channels: int, out_channels: int, stride: int) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False),
            nn.BatchNorm2d(out_channels), nn.LeakyReLU(0.2),
            nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False),
            nn.BatchNorm2d(out_channels))
        self.shortcut = nn.Identity() if stride == 1 and in_channels == out_channels else \
            nn.Sequential(nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                          nn.BatchNorm2d(out_channels))
        self.act = nn.LeakyReLU(0.2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.body(x) + self.shortcut(x))


@MODELS.register_module()
class InversionEncoder(BaseModule):
    """Images -> W+ offsets.

    Args:
        img_resolution: input side R (a power of two >= 4), the generator's resolution.
        num_ws: number of ws of the generator.
        w_dim: w width.
        in_channels: 3 (image), or 6 (image + current reconstruction, ReStyle refinement).
        base_channels: channels at full resolution; doubled per stage up to ``max_channels``.
        max_channels: channel cap.
        blocks_per_stage: residual blocks per resolution (the first one strides by 2).
        hidden_dim: width of the MLP head.
        init_cfg: MMEngine init config.

    ``forward(x)``: x (N, in_channels, R, R) in [-1, 1] -> (N, num_ws, w_dim) offsets.
    """

    def __init__(self, img_resolution: int, num_ws: int, w_dim: int, in_channels: int = 3,
                 base_channels: int = 32, max_channels: int = 256, blocks_per_stage: int = 2,
                 hidden_dim: int = 512, init_cfg: dict | None = None) -> None:
        super().__init__(init_cfg=init_cfg)
        num_stages = round(math.log2(max(img_resolution, 1) / FINAL_RESOLUTION))
        if num_stages < 0 or 2 ** num_stages * FINAL_RESOLUTION != img_resolution:
            raise ValueError(f'InversionEncoder: img_resolution must be a power of two >= '
                             f'{FINAL_RESOLUTION}, got {img_resolution}')
        self.num_ws, self.w_dim, self.in_channels = num_ws, w_dim, in_channels
        self.stem = nn.Sequential(nn.Conv2d(in_channels, base_channels, 3, 1, 1, bias=False),
                                  nn.BatchNorm2d(base_channels), nn.LeakyReLU(0.2))
        blocks, channels = [], base_channels
        for stage in range(num_stages):
            out_channels = min(base_channels * 2 ** (stage + 1), max_channels)
            for k in range(blocks_per_stage):
                blocks.append(_ResidualBlock(channels, out_channels, stride=2 if k == 0 else 1))
                channels = out_channels
        self.stages = nn.Sequential(*blocks)
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Linear(channels * FINAL_RESOLUTION ** 2, hidden_dim), nn.LeakyReLU(0.2),
            nn.Linear(hidden_dim, num_ws * w_dim))
        nn.init.zeros_(self.head[-1].weight)
        nn.init.zeros_(self.head[-1].bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[1] != self.in_channels:
            raise ValueError(f'InversionEncoder expects {self.in_channels} input channels, got '
                             f'{tuple(x.shape)}')
        x = self.stages(self.stem(x))  # (N, C, 4, 4)
        return self.head(x).view(-1, self.num_ws, self.w_dim)  # (N, num_ws, w_dim)
