"""The resize rule that brings a real labeled image to the generator's square resolution.

Rule (same for every modality, so labels stay aligned with the image):

1. Scale so that the *shorter* side becomes ``size`` (aspect ratio kept): the new size is
   ``(round(W * size / min(H, W)), round(H * size / min(H, W)))``.
2. Centre-crop ``size x size``: ``left = (W' - size) // 2``, ``top = (H' - size) // 2``.

Per modality:

- image: PIL bicubic resize (antialiased when shrinking), then the crop.
- class-index masks and 16-bit depth: nearest neighbour, pixel-centre aligned: output pixel
  ``(i, j)`` takes source pixel ``(floor((i + top + 0.5) / sy), floor((j + left + 0.5) / sx))``
  with ``sx = W' / W``, ``sy = H' / H``. Values are copied, never blended: every class id and
  depth value of the output exists in the input.
- keypoints (pixel centres at integer coordinates): ``x' = (x + 0.5) * sx - 0.5 - left`` (same
  for y); a point that falls outside the crop keeps its coordinates and gets visibility 0.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

__all__ = ['SquareFit']


@dataclass(frozen=True)
class SquareFit:
    """The resize + centre-crop of one (H, W) image to ``size x size`` (rule in the module doc).

    Build it with :meth:`for_shape`; apply it with :meth:`image`, :meth:`nearest` and
    :meth:`keypoints`.
    """
    src_h: int
    src_w: int
    size: int
    scaled_h: int
    scaled_w: int
    top: int
    left: int

    @classmethod
    def for_shape(cls, height: int, width: int, size: int) -> 'SquareFit':
        if min(height, width) < 1:
            raise ValueError(f'cannot fit an empty {width}x{height} image')
        scale = size / min(height, width)
        scaled_h, scaled_w = max(size, round(height * scale)), max(size, round(width * scale))
        return cls(height, width, size, scaled_h, scaled_w, (scaled_h - size) // 2,
                   (scaled_w - size) // 2)

    @property
    def is_identity(self) -> bool:
        return self.src_h == self.src_w == self.size

    def image(self, image: np.ndarray) -> np.ndarray:
        """(H, W, 3) uint8 -> (size, size, 3) uint8, bicubic."""
        self._check(image)
        if self.is_identity:
            return image.copy()
        scaled = Image.fromarray(image).resize((self.scaled_w, self.scaled_h), Image.BICUBIC)
        box = (self.left, self.top, self.left + self.size, self.top + self.size)
        return np.asarray(scaled.crop(box))

    def nearest(self, label: np.ndarray) -> np.ndarray:
        """(H, W) label of any dtype (class ids, 16-bit depth) -> (size, size), values copied."""
        self._check(label)
        rows = self._source_index(self.top, self.scaled_h, self.src_h)  # (size,)
        cols = self._source_index(self.left, self.scaled_w, self.src_w)  # (size,)
        return label[rows[:, None], cols[None, :]]

    def keypoints(self, keypoints: np.ndarray) -> np.ndarray:
        """(K, 3) ``x, y, visibility`` -> (K, 3) in the output grid; outside points get v = 0."""
        out = np.asarray(keypoints, dtype=np.float32).copy()
        sx, sy = self.scaled_w / self.src_w, self.scaled_h / self.src_h
        out[:, 0] = (out[:, 0] + 0.5) * sx - 0.5 - self.left
        out[:, 1] = (out[:, 1] + 0.5) * sy - 0.5 - self.top
        inside = ((out[:, :2] >= -0.5) & (out[:, :2] < self.size - 0.5)).all(axis=1)
        out[~inside, 2] = 0
        return out

    def _source_index(self, offset: int, scaled: int, src: int) -> np.ndarray:
        centres = np.arange(self.size, dtype=np.float64) + offset + 0.5  # in the scaled grid
        return np.minimum(np.floor(centres * src / scaled).astype(np.int64), src - 1)

    def _check(self, array: np.ndarray) -> None:
        if array.shape[:2] != (self.src_h, self.src_w):
            raise ValueError(f'array of shape {array.shape} given to a SquareFit built for '
                             f'{self.src_h}x{self.src_w}')
