"""Keypoints: JSON files of ``(x, y, v)`` points, Gaussian heatmaps (MSE), mean-heatmap decode.

Keypoints are ``(x, y)`` in pixel units of the map they refer to, pixel centres at integers.
"""
from __future__ import annotations

import json
import math
import os.path as osp
from typing import Any

import numpy as np
import torch
from mmengine.structures import PixelData
from PIL import Image, ImageDraw

from mmdsgan.utils.profiling import stage

from .base import LabelFileError, LabelTask, register_task

__all__ = ['KeypointsTask', 'gaussian_heatmap_values', 'decode_keypoints', 'keypoints_json',
           'read_keypoints_json', 'gaussian_heatmaps', 'rescale_keypoints']

#: visibility written for keypoints predicted by the interpreter.
PREDICTED = 2


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


def keypoints_json(keypoints: np.ndarray, size: tuple[int, int]) -> str:
    """Keypoints of an image of ``size`` (H, W) as the label JSON
    ``{"height": H, "width": W, "keypoints": [[x, y, v], ...]}``.

    ``keypoints``: (K, 3) ``(x, y, v)`` labels, written as given; or (K, 2) ``(x, y)``
    predictions, written rounded to 3 decimals with ``v = 2`` (predicted).
    """
    keypoints = np.asarray(keypoints)
    if keypoints.shape[-1] == 2:
        points: list[Any] = [[round(float(x), 3), round(float(y), 3), PREDICTED]
                             for x, y in keypoints]
    else:
        points = [[float(x), float(y), float(v)] for x, y, v in keypoints]
    return json.dumps(dict(height=int(size[0]), width=int(size[1]), keypoints=points))


def read_keypoints_json(path: str, num_keypoints: int | None = None
                        ) -> tuple[np.ndarray, tuple[int, int]]:
    """Keypoints ``{"width": W, "height": H, "keypoints": [[x, y] or [x, y, visible], ...]}``.

    Returns:
        ``(keypoints, (H, W))`` with keypoints (K, 3) float32 ``(x, y, visible)`` in pixels of
        the W x H image (pixel centres at integers); a missing visibility means visible (1).
    """
    if not osp.isfile(path):
        raise LabelFileError(f'{path} not found: write the keypoints of this image as JSON '
                             f'{{"width": W, "height": H, "keypoints": [[x, y, v], ...]}}')
    try:
        with open(path) as f:
            data = json.load(f)
        points = [list(p) + [1.0] * (3 - len(p)) for p in data['keypoints']]
        size = (int(data['height']), int(data['width']))
        keypoints = np.asarray(points, dtype=np.float32).reshape(-1, 3)
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as err:
        raise LabelFileError(f'{path}: expected {{"width": W, "height": H, "keypoints": '
                             f'[[x, y] or [x, y, visible], ...]}} ({err!r})') from err
    if num_keypoints is not None and len(keypoints) != num_keypoints:
        raise LabelFileError(f'{path} has {len(keypoints)} keypoints, metainfo.json names '
                             f'{num_keypoints}: give every keypoint (visible 0 if unseen)')
    return keypoints, size


@register_task
class KeypointsTask(LabelTask):
    """K keypoints per image, learned as one Gaussian heatmap each."""
    name = 'keypoints'
    label_ext = '.json'
    gt_field = 'gt_keypoints'
    results_key = 'gt_keypoints'
    metric = 'PCKMetric'
    uncertainty = "members' standard deviation"  # of the heatmaps, averaged over keypoints

    # ------------------------------------------------------------------------------- files
    def encode(self, label, size, palette, depth_scale: float = 1.0) -> bytes:
        return keypoints_json(label, size).encode()

    def read(self, path: str, meta: dict[str, Any]) -> tuple[np.ndarray, tuple[int, int]]:
        """(K, 3) float32 ``(x, y, visible)`` and the image size; ``meta['num_classes']``
        keypoints are required when given."""
        return read_keypoints_json(path, meta.get('num_classes'))

    def meta_entries(self, classes, palette, depth_scale) -> dict[str, Any]:
        return dict(keypoints=list(classes))

    def overlay(self, image, label, palette, depth_scale: float = 1.0) -> np.ndarray:
        """Palette-coloured dots on the visible keypoints."""
        canvas = Image.fromarray(image.copy())
        draw = ImageDraw.Draw(canvas)
        radius = max(1.0, image.shape[0] / 64)
        for k, (x, y, v) in enumerate(np.asarray(label)):
            if v > 0:
                colour = tuple(int(c) for c in palette[k % len(palette)]) if palette else (255,) * 3
                draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=colour)
        return np.asarray(canvas)

    def fit(self, fit, label: np.ndarray) -> np.ndarray:
        return fit.keypoints(label)

    # -------------------------------------------------------------- interpreter training
    def targets(self, data_samples, out_size, device) -> torch.Tensor:
        """(N, K, 3) ``(x, y, visible)`` rescaled to the output grid (pixel centres)."""
        return torch.stack([
            rescale_keypoints(sample.gt_keypoints.to(device=device, dtype=torch.float32),
                              tuple(sample.metainfo['ori_shape'][:2]), tuple(out_size))
            for sample in data_samples])  # (N, K, 3)

    def sampling_groups(self, labels, n, out_size, head, balanced):
        valid = torch.ones(n, out_size[0] * out_size[1], dtype=torch.bool,
                           device=labels.device)
        groups = near_keypoints(labels, n, out_size, head.heatmap_sigma).long() if balanced \
            else None
        return valid, groups

    def pixel_targets(self, labels, coords, head):
        return gaussian_heatmap_values(labels, coords, head.heatmap_sigma)

    def pixel_loss(self, out, targets, valid, head):
        per_pixel = (out - targets).square()  # (M, P, K)
        mask = torch.ones_like(per_pixel, dtype=torch.bool) if valid is None else valid
        return per_pixel, mask

    # -------------------------------------------------------------- ensemble prediction
    def new_prediction(self, ref, n, k, height, width):
        return dict(label=ref.new_empty(n, k, height, width))

    def reduce_band(self, out, rows, buffers, head) -> None:
        with stage('vote'):
            buffers['label'][:, :, rows] = out.mean(1)
        with stage('uncertainty'):
            buffers['uncertainty'][:, rows] = out.std(1, correction=0).mean(1)

    def finish_prediction(self, result, head):
        result['keypoints'] = decode_keypoints(result['label'], head.keypoint_decode)
        return result

    def generated_label(self, result):
        return result['keypoints']

    def pack_ground_truth(self, sample, label: np.ndarray) -> None:
        sample.gt_keypoints = torch.from_numpy(label)  # (K, 3)

    def pack(self, sample, result, i) -> None:
        sample.pred_heatmaps = PixelData(data=result['label'][i])
        sample.pred_keypoints = result['keypoints'][i]


def near_keypoints(keypoints: torch.Tensor, n: int, out_size: tuple[int, int],
                   sigma: float) -> torch.Tensor:
    """(N, H*W) bool: pixels within 3 sigma of a visible keypoint."""
    heatmaps, _ = gaussian_heatmaps(keypoints[:n], out_size, sigma)  # (N, K, H, W)
    return heatmaps.amax(1).view(n, -1) > math.exp(-4.5)  # exp(-d^2 / 2 sigma^2), d = 3 sigma


def gaussian_heatmaps(keypoints: torch.Tensor, size: tuple[int, int],
                      sigma: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Full target heatmaps of keypoints, for a downstream heatmap model.

    Args:
        keypoints: (N, K, 3) float ``(x, y, visible)`` in pixels of the ``size`` grid.
        size: (H, W) of the heatmaps.
        sigma: Gaussian standard deviation in pixels.

    Returns:
        ``(heatmaps, valid)``: (N, K, H, W) float targets (:func:`gaussian_heatmap_values` at
        every pixel) and (N, K) bool: the keypoint is labeled (its map counts in the loss).
    """
    n, k = keypoints.shape[:2]
    height, width = size
    ys, xs = torch.meshgrid(torch.arange(height, device=keypoints.device),
                            torch.arange(width, device=keypoints.device), indexing='ij')
    grid = torch.stack([ys.flatten(), xs.flatten()], 1)  # (H*W, 2)
    batch = torch.arange(n, device=keypoints.device).repeat_interleave(len(grid))
    coords = torch.cat([batch[:, None], grid.repeat(n, 1)], 1)  # (N*H*W, 3)
    values, valid = gaussian_heatmap_values(keypoints, coords, sigma)  # (N*H*W, K)
    heatmaps = values.view(n, height, width, k).permute(0, 3, 1, 2)
    return heatmaps.contiguous(), valid.view(n, height * width, k)[:, 0]


def rescale_keypoints(keypoints: torch.Tensor, src_size: tuple[int, int],
                      dst_size: tuple[int, int]) -> torch.Tensor:
    """(..., K, >=2) ``(x, y, ...)`` in pixels of a ``src_size`` (H, W) image -> pixels of the
    same image resized to ``dst_size`` (pixel centres at integers in both); other columns
    are kept."""
    out = keypoints.clone()
    out[..., 0] = (keypoints[..., 0] + 0.5) * dst_size[1] / src_size[1] - 0.5
    out[..., 1] = (keypoints[..., 1] + 0.5) * dst_size[0] / src_size[0] - 0.5
    return out
