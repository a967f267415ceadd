"""The meta file and the latents of a labeled-latent folder (numpy only).

Shared by :class:`~mmdsgan.datasets.labeled_latent_dataset.LabeledLatentDataset`, its transforms,
the inversion writer and the annotation import, so every reader raises the same
:class:`~mmdsgan.tasks.LabelFileError` that names the file and says how to fix it. Label files are
read by their task (:mod:`mmdsgan.tasks`).

The meta file is ``metainfo.json`` (the name generated and toy folders use too); folders written
before it was renamed hold ``meta.json``, which is still read.
"""
from __future__ import annotations

import json
import os.path as osp
from typing import Any

import numpy as np

from mmdsgan.tasks import LabelFileError, task_names
from mmdsgan.utils.io import atomic_write

__all__ = ['LabelFileError', 'LATENT_TYPES', 'META_NAME', 'meta_path', 'read_meta', 'write_meta',
           'read_latent', 'infer_latent_type']

LATENT_TYPES = ('z', 'w', 'wplus')
#: the meta file of every folder mmdsgan writes; ``meta.json`` is the name older folders hold.
META_NAME = 'metainfo.json'
LEGACY_META_NAME = 'meta.json'


def meta_path(root: str) -> str:
    """``<root>/metainfo.json``, or ``<root>/meta.json`` when only that one exists."""
    path = osp.join(root, META_NAME)
    legacy = osp.join(root, LEGACY_META_NAME)
    return legacy if not osp.isfile(path) and osp.isfile(legacy) else path


def read_meta(root: str) -> dict[str, Any]:
    """The folder's meta file (:func:`meta_path`): ``classes`` (required), ``palette``,
    ``latent_type``, ``task``, ``keypoints`` (names), ``depth_scale``."""
    path = meta_path(root)
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
    if task not in task_names():
        raise LabelFileError(f'{path}: "task" is {task!r}; use one of {list(task_names())}')
    latent_type = meta.get('latent_type')
    if latent_type is not None and latent_type not in LATENT_TYPES:
        raise LabelFileError(f'{path}: "latent_type" is {latent_type!r}; use one of '
                             f'{list(LATENT_TYPES)} or leave it out to infer it from the shape')
    return meta


def write_meta(root: str, meta: dict[str, Any]) -> str:
    """Write ``<root>/metainfo.json`` (then checked with :func:`read_meta`); returns the path."""
    path = osp.join(root, META_NAME)
    atomic_write(path, json.dumps(meta, indent=2).encode())
    read_meta(root)
    return path


def infer_latent_type(shape: tuple[int, ...], path: str) -> str:
    """``'wplus'`` for (num_ws, w_dim); ``'z'`` for a vector (set ``latent_type: "w"`` in
    metainfo.json for w vectors: z and w have the same shape)."""
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
    except (ValueError, OSError, EOFError) as err:
        raise LabelFileError(f'{path} is not a plain .npy array ({err}): save it with '
                             f'numpy.save(path, array)') from err
    if not (np.issubdtype(latent.dtype, np.floating) or np.issubdtype(latent.dtype, np.integer)):
        raise LabelFileError(f'{path} holds {latent.dtype} values, not numbers: save the latent '
                             f'as a float array')
    if latent.ndim in (2, 3) and latent.shape[0] == 1:  # a batch of one (w+ has num_ws >= 2)
        latent = latent[0]
    inferred = infer_latent_type(latent.shape, path)
    latent_type = latent_type or inferred
    if (latent_type == 'wplus') != (latent.ndim == 2):
        raise LabelFileError(f'{path}: shape {latent.shape} does not fit latent_type '
                             f'{latent_type!r} (z/w: (D,), wplus: (num_ws, w_dim)); fix '
                             f'"latent_type" in metainfo.json or the array')
    if not np.isfinite(latent).all():
        raise LabelFileError(f'{path} holds NaN or inf values: re-export the latent')
    return latent.astype(np.float32), latent_type
