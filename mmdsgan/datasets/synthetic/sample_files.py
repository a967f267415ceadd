"""Where the files of one generated sample go, and how each is encoded.

Layout (MMSeg's), relative to the output folder::

    img_dir/<split>/<id>.png|jpg    RGB image
    ann_dir/<split>/<id>.png        seg: 8-bit palette PNG, pixel value = class id
                                    depth: 16-bit PNG, value = round(depth * depth_scale)
    ann_dir/<split>/<id>.json       keypoints: {"height", "width", "keypoints": [[x, y, v], ...]}
                                    (the labeled-latent format, v = 2: predicted)

Label files are encoded by the task (:mod:`mmdsgan.tasks`).
    unc_dir/<split>/<id>.png        per-pixel uncertainty, 16-bit, value = round(u * 10000)
    latents/<id>.npy                optional: w+ (num_ws, w_dim) float32 after truncation

Every file is written atomically (latent, uncertainty, image, then the label), and the caller
appends the manifest line only afterwards, so a sample with a line has all of its files.
"""
from __future__ import annotations

import os.path as osp
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from mmdsgan.tasks import get_task
from mmdsgan.utils.io import atomic_write, jpg_bytes, npy_bytes, png_bytes

__all__ = ['ID_FORMAT', 'UNCERTAINTY_SCALE', 'sample_id', 'SampleWriter', 'encode_uncertainty',
           'decode_uncertainty']

#: the file stem of every generated sample (also of the images sampled for annotation).
ID_FORMAT = 'seed{seed:08d}'

#: uncertainty PNG value = round(uncertainty * UNCERTAINTY_SCALE), clipped to 65535.
UNCERTAINTY_SCALE = 10000.0


def sample_id(seed: int) -> str:
    """File stem of the sample of ``seed`` (:data:`ID_FORMAT`)."""
    return ID_FORMAT.format(seed=int(seed))


@dataclass
class SampleWriter:
    """Writes samples into ``root`` for one split.

    Args:
        root: the output folder.
        split: split folder name.
        task: a label task name (:mod:`mmdsgan.tasks`), which encodes the label files.
        palette: one [r, g, b] per class (seg).
        img_format: ``'png'`` or ``'jpg'``; jpg_quality: JPEG quality.
        depth_scale: depth PNG value per depth unit.
        save_uncertainty: write ``unc_dir``; save_latents: write ``latents``.
    """
    root: str
    split: str
    task: str
    palette: Sequence[Sequence[int]]
    img_format: str = 'png'
    jpg_quality: int = 95
    depth_scale: float = 1000.0
    save_uncertainty: bool = True
    save_latents: bool = False

    def folders(self) -> list[str]:
        """The folders this writer writes into (created by the caller)."""
        folders = [osp.join(self.root, 'img_dir', self.split),
                   osp.join(self.root, 'ann_dir', self.split)]
        if self.save_uncertainty:
            folders.append(osp.join(self.root, 'unc_dir', self.split))
        if self.save_latents:
            folders.append(osp.join(self.root, 'latents'))
        return folders

    def paths(self, seed: int) -> dict[str, str | None]:
        """Relative paths of the sample's files (``img``, ``ann``, ``unc``, ``latent``)."""
        sid = sample_id(seed)
        return dict(
            img=f'img_dir/{self.split}/{sid}.{self.img_format}',
            ann=f'ann_dir/{self.split}/{sid}{get_task(self.task).label_ext}',
            unc=f'unc_dir/{self.split}/{sid}.png' if self.save_uncertainty else None,
            latent=f'latents/{sid}.npy' if self.save_latents else None)

    def write(self, seed: int, image: np.ndarray, label: np.ndarray, uncertainty: np.ndarray,
              ws: np.ndarray) -> dict[str, str | None]:
        """Write one sample's files; returns their relative paths.

        Args:
            image: (H, W, 3) uint8 RGB.
            label: seg (H, W) class ids; depth (H, W) float; keypoints (K, 2) ``(x, y)``.
            uncertainty: (H, W) float per-pixel uncertainty.
            ws: (num_ws, w_dim) w+ latent.
        """
        paths = self.paths(seed)
        if paths['latent'] is not None:
            atomic_write(self._abs(paths['latent']), npy_bytes(ws.astype(np.float32)))
        if paths['unc'] is not None:
            atomic_write(self._abs(paths['unc']), png_bytes(encode_uncertainty(uncertainty)))
        image_data = (jpg_bytes(image, self.jpg_quality) if self.img_format == 'jpg'
                      else png_bytes(image))
        atomic_write(self._abs(paths['img']), image_data)
        atomic_write(self._abs(paths['ann']), get_task(self.task).encode(
            label, image.shape[:2], self.palette, self.depth_scale))
        return paths

    def _abs(self, rel: str) -> str:
        return osp.join(self.root, rel)


def encode_uncertainty(uncertainty: np.ndarray) -> np.ndarray:
    """(H, W) float uncertainty -> (H, W) uint16 ``round(u * UNCERTAINTY_SCALE)``."""
    values = np.rint(uncertainty.astype(np.float64) * UNCERTAINTY_SCALE)
    return np.clip(values, 0, 65535).astype(np.uint16)


def decode_uncertainty(values: np.ndarray) -> np.ndarray:
    """Inverse of :func:`encode_uncertainty`: (H, W) float32."""
    return (values.astype(np.float64) / UNCERTAINTY_SCALE).astype(np.float32)
