"""Depth: 16-bit PNGs (value = round(depth * depth_scale), 0 = unknown), member mean and std,
L1 / MSE regression on known pixels."""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
from mmengine.structures import PixelData

from mmdsgan.utils.io import png_bytes
from mmdsgan.utils.profiling import stage

from ._png import open_png
from .base import LabelFileError, LabelTask, register_task
from .resize import resize_nearest
from .seg import blend

__all__ = ['DepthTask', 'encode_depth', 'decode_depth', 'read_depth_png', 'DEPTH_MODES']

DEPTH_MODES = ('I;16', 'I;16B', 'I')  # 16-bit (PIL may open them as 32-bit 'I')


def encode_depth(depth: np.ndarray, scale: float) -> np.ndarray:
    """Float depth (H, W) -> the uint16 (H, W) of a depth PNG: ``round(depth * scale)``,
    clipped to [0, 65535]."""
    values = np.rint(np.asarray(depth).astype(np.float64) * scale)
    return np.clip(values, 0, 65535).astype(np.uint16)


def decode_depth(values: np.ndarray, scale: float) -> np.ndarray:
    """The inverse of :func:`encode_depth`: (H, W) float32 ``value / scale`` (0 = unknown)."""
    return np.asarray(values).astype(np.float32) / np.float32(scale)


def read_depth_png(path: str, scale: float = 1.0) -> np.ndarray:
    """A 16-bit depth PNG -> (H, W) float32 depth (:func:`decode_depth`); 0 marks unknown."""
    image = open_png(path)
    if image.mode not in DEPTH_MODES:
        raise LabelFileError(f'{path} is a {image.mode} image: save depth as a 16-bit '
                             f'single-channel PNG (value = depth * depth_scale, 0 = unknown)')
    return decode_depth(np.asarray(image), scale)


@register_task
class DepthTask(LabelTask):
    """Per-pixel depth (one output channel); pixels with depth <= 0 are unknown."""
    name = 'depth'
    label_ext = '.png'
    gt_field = 'gt_depth_map'
    results_key = 'gt_depth_map'
    metric = 'DepthErrorMetric'
    uncertainty = "members' standard deviation"

    # ------------------------------------------------------------------------------- files
    def encode(self, label, size, palette, depth_scale: float = 1000.0) -> bytes:
        return png_bytes(encode_depth(label, depth_scale))

    def read(self, path: str, meta: dict[str, Any]) -> tuple[np.ndarray, tuple[int, int]]:
        """(H, W) float32 depth, ``meta['depth_scale']`` (default 1) PNG values per unit."""
        depth = read_depth_png(path, meta.get('depth_scale', 1.0))
        return depth, depth.shape

    def meta_entries(self, classes, palette, depth_scale) -> dict[str, Any]:
        return dict(depth_scale=float(depth_scale))

    def overlay(self, image, label, palette, depth_scale: float = 1.0) -> np.ndarray:
        """Grey levels of the stored (quantised) depth, near = bright, blended at 50 %."""
        depth = encode_depth(label, depth_scale).astype(np.float32)
        known = depth > 0
        span = np.ptp(depth[known]) if known.any() else 0.0
        low = depth[known].min() if known.any() else 0.0
        grey = np.where(known, 255 * (1 - (depth - low) / (span or 1.0)), 0)
        return blend(image, np.repeat(grey[..., None], 3, axis=2))

    # -------------------------------------------------------------- interpreter training
    def num_outputs(self, num_classes: int) -> int:
        return 1

    def targets(self, data_samples, out_size, device) -> torch.Tensor:
        """(N, H, W) float depth on the output grid."""
        maps = [resize_nearest(s.gt_depth_map.data, out_size) for s in data_samples]
        return torch.cat(maps).to(device)

    def sampling_groups(self, labels, n, out_size, head, balanced):
        valid = labels.flatten(1) > 0
        return valid, torch.zeros_like(valid, dtype=torch.long)

    def pixel_loss(self, out, targets, valid, head):
        diff = out[..., 0] - targets  # (M, P)
        per_pixel = diff.abs() if head.depth_loss == 'l1' else diff.square()
        return per_pixel, targets > 0

    # -------------------------------------------------------------- ensemble prediction
    def new_prediction(self, ref, n, k, height, width):
        return dict(label=ref.new_empty(n, height, width))

    def reduce_band(self, out, rows, buffers, head) -> None:
        with stage('vote'):
            buffers['label'][:, rows] = out.mean(1)[:, 0]
        with stage('uncertainty'):
            buffers['uncertainty'][:, rows] = out.std(1, correction=0)[:, 0]

    def pack(self, sample, result, i) -> None:
        sample.pred_depth_map = PixelData(data=result['label'][i][None])
