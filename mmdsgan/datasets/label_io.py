"""Reading and checking the files of a labeled-latent folder (numpy + PIL only).

Shared by :class:`~mmdsgan.datasets.labeled_latent_dataset.LabeledLatentDataset`, its transforms
and the annotation import, so every reader raises the same :class:`LabelFileError` that names the
file and says how to fix it.
"""
from __future__ import annotations

import json
import os.path as osp
from typing import Any

import numpy as np
from PIL import Image

from mmdsgan.utils.io import atomic_write

__all__ = ['LabelFileError', 'LATENT_TYPES', 'TASKS', 'read_meta', 'write_meta', 'read_latent',
           'infer_latent_type', 'read_index_png', 'read_depth_png', 'read_keypoints_json']

LATENT_TYPES = ('z', 'w', 'wplus')
TASKS = ('seg', 'depth', 'keypoints')
INDEX_MODES = ('L', 'P', 'I;16', 'I')  # PIL modes whose pixel values are class ids
DEPTH_MODES = ('I;16', 'I;16B', 'I')  # 16-bit (PIL may open them as 32-bit 'I')


class LabelFileError(ValueError):
    """A file of a labeled-latent folder is missing or malformed; the message says how to fix."""


def read_meta(root: str) -> dict[str, Any]:
    """``<root>/meta.json``: ``classes`` (required), ``palette``, ``latent_type``, ``task``,
    ``keypoints`` (names), ``depth_scale``."""
    path = osp.join(root, 'meta.json')
    if not osp.isfile(path):
        raise LabelFileError(f'{path} not found: write it, e.g. {{"classes": ["background", '
                             f'"skin"], "task": "seg", "latent_type": "wplus"}}')
    try:
        with open(path) as f:
            meta = json.load(f)
    except json.JSONDecodeError as err:
        raise LabelFileError(f'{path} is not valid JSON ({err}): fix the syntax') from err
    if not isinstance(meta, dict) or not meta.get('classes'):
        raise LabelFileError(f'{path} needs a non-empty "classes" list (class names; for depth '
                             f'e.g. ["depth"], for keypoints the keypoint names)')
    task = meta.setdefault('task', 'seg')
    if task not in TASKS:
        raise LabelFileError(f'{path}: "task" is {task!r}; use one of {list(TASKS)}')
    latent_type = meta.get('latent_type')
    if latent_type is not None and latent_type not in LATENT_TYPES:
        raise LabelFileError(f'{path}: "latent_type" is {latent_type!r}; use one of '
                             f'{list(LATENT_TYPES)} or leave it out to infer it from the shape')
    return meta


def write_meta(root: str, meta: dict[str, Any]) -> str:
    """Write ``<root>/meta.json`` (after checking it with :func:`read_meta`); returns the path."""
    path = osp.join(root, 'meta.json')
    atomic_write(path, json.dumps(meta, indent=2).encode())
    read_meta(root)
    return path


def infer_latent_type(shape: tuple[int, ...], path: str) -> str:
    """``'wplus'`` for (num_ws, w_dim); ``'z'`` for a vector (set ``latent_type: "w"`` in
    meta.json for w vectors: z and w have the same shape)."""
    if len(shape) == 2:
        return 'wplus'
    if len(shape) == 1:
        return 'z'
    raise LabelFileError(f'{path}: latent of shape {tuple(shape)}; save z (z_dim,), '
                         f'w (w_dim,) or w+ (num_ws, w_dim)')


def read_latent(path: str, latent_type: str | None = None) -> tuple[np.ndarray, str]:
    """A latent ``.npy`` as float32 and its type (given, or inferred from the shape).

    A leading batch axis of 1 ((1, D) for z/w, (1, num_ws, w_dim) for w+) is dropped.
    """
    if not osp.isfile(path):
        raise LabelFileError(f'{path} not found: every labeled image needs its latent, '
                             f'saved with numpy.save')
    try:
        latent = np.load(path, allow_pickle=False)
    except ValueError as err:
        raise LabelFileError(f'{path} is not a plain .npy array ({err}): save it with '
                             f'numpy.save(path, array)') from err
    if latent.ndim in (2, 3) and latent.shape[0] == 1:  # a batch of one (w+ has num_ws >= 2)
        latent = latent[0]
    inferred = infer_latent_type(latent.shape, path)
    latent_type = latent_type or inferred
    if (latent_type == 'wplus') != (latent.ndim == 2):
        raise LabelFileError(f'{path}: shape {latent.shape} does not fit latent_type '
                             f'{latent_type!r} (z/w: (D,), wplus: (num_ws, w_dim)); fix '
                             f'"latent_type" in meta.json or the array')
    if not np.isfinite(latent).all():
        raise LabelFileError(f'{path} holds NaN or inf values: re-export the latent')
    return latent.astype(np.float32), latent_type


def read_index_png(path: str) -> np.ndarray:
    """A class-index mask: a single-channel PNG (8-bit grey, palette, or 16-bit) -> (H, W) int64.

    Palette PNGs give their indices (not colours), as labeling tools write them.
    """
    image = _open_png(path)
    if image.mode not in INDEX_MODES:
        raise LabelFileError(
            f'{path} is a {image.mode} image, not a class-index mask: save one channel whose '
            f'values are class ids (8-bit grey "L" or palette "P" PNG); a colour mask must be '
            f'mapped back to ids through the palette first')
    return np.asarray(image).astype(np.int64)


def read_depth_png(path: str, scale: float = 1.0) -> np.ndarray:
    """A 16-bit depth PNG -> (H, W) float32 ``value / scale``; 0 marks unknown depth."""
    image = _open_png(path)
    if image.mode not in DEPTH_MODES:
        raise LabelFileError(f'{path} is a {image.mode} image: save depth as a 16-bit '
                             f'single-channel PNG (value = depth * depth_scale, 0 = unknown)')
    return np.asarray(image).astype(np.float32) / scale


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
        raise LabelFileError(f'{path} has {len(keypoints)} keypoints, meta.json names '
                             f'{num_keypoints}: give every keypoint (visible 0 if unseen)')
    return keypoints, size


def _open_png(path: str) -> Image.Image:
    if not osp.isfile(path):
        raise LabelFileError(f'{path} not found: every labeled latent needs its label file')
    try:
        image = Image.open(path)
        image.load()
    except OSError as err:
        raise LabelFileError(f'{path} cannot be read as an image ({err}): re-export it as '
                             f'PNG') from err
    return image
