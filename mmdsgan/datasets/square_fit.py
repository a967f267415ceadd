"""The resize rule that brings a real labeled image to the generator's square resolution, or to
the ``height x width`` window a non-square generator draws in (the LSUN-car 512x384 frame).

Rule (same for every modality, so labels stay aligned with the image), for a target of
``size x size`` (or ``h x w``):

1. Scale so that the image covers the target, aspect ratio kept: ``s = max(h / H, w / W)``
   (for a square: the *shorter* side becomes ``size``), the new size is
   ``(W', H') = (max(w, round(W * s)), max(h, round(H * s)))``.
2. Centre-crop ``h x w``: ``left = (W' - w) // 2``, ``top = (H' - h) // 2``.

A 4:3 car photo fitted to 512x384 is thus resized exactly as HandsOff resizes it before padding
it into the generator's 512x512 frame (the padding is the inverter's, see
:class:`~mmdsgan.models.inversion.ImageInverter`); an image of another aspect ratio is
centre-cropped where HandsOff would stretch it.

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
    """The resize + centre-crop of one (H, W) image to ``out_h x out_w`` (rule in the module
    doc): ``size x size`` for a square generator, the crop window's ``h x w`` for a framed one.

    Build it with :meth:`for_shape`; apply it with :meth:`image` ((H, W, 3) -> (out_h, out_w,
    3)), :meth:`nearest` ((H, W) -> (out_h, out_w)) and :meth:`keypoints` ((K, 3) -> (K, 3)).
    """
    src_h: int
    src_w: int
    out_h: int
    out_w: int
    scaled_h: int
    scaled_w: int
    top: int
    left: int

    @classmethod
    def for_shape(cls, height: int, width: int, size: int | tuple[int, int]) -> 'SquareFit':
        """The fit of a ``height x width`` image to ``size`` (an int: square; or ``(h, w)``)."""
        out_h, out_w = (size, size) if isinstance(size, (int, np.integer)) else size
        out_h, out_w = int(out_h), int(out_w)
        if min(height, width) < 1 or min(out_h, out_w) < 1:
            raise ValueError(f'cannot fit a {width}x{height} image to {out_w}x{out_h}')
        scale = max(out_h / height, out_w / width)
        scaled_h, scaled_w = max(out_h, round(height * scale)), max(out_w, round(width * scale))
        return cls(height, width, out_h, out_w, scaled_h, scaled_w, (scaled_h - out_h) // 2,
                   (scaled_w - out_w) // 2)

    @property
    def out_size(self) -> tuple[int, int]:
        """(out_h, out_w)."""
        return self.out_h, self.out_w

    @property
    def is_identity(self) -> bool:
        return (self.src_h, self.src_w) == (self.out_h, self.out_w)

    def image(self, image: np.ndarray) -> np.ndarray:
        """(H, W, 3) uint8 -> (out_h, out_w, 3) uint8, bicubic."""
        self._check(image)
        if self.is_identity:
            return image.copy()
        scaled = Image.fromarray(image).resize((self.scaled_w, self.scaled_h), Image.BICUBIC)
        box = (self.left, self.top, self.left + self.out_w, self.top + self.out_h)
        return np.asarray(scaled.crop(box))

    def nearest(self, label: np.ndarray) -> np.ndarray:
        """(H, W) label of any dtype (class ids, 16-bit depth) -> (out_h, out_w), values
        copied."""
        self._check(label)
        rows = self._source_index(self.top, self.scaled_h, self.src_h, self.out_h)  # (out_h,)
        cols = self._source_index(self.left, self.scaled_w, self.src_w, self.out_w)  # (out_w,)
        return label[rows[:, None], cols[None, :]]

    def keypoints(self, keypoints: np.ndarray) -> np.ndarray:
        """(K, 3) ``x, y, visibility`` -> (K, 3) in the output grid; outside points get v = 0."""
        out = np.asarray(keypoints, dtype=np.float32).copy()
        sx, sy = self.scaled_w / self.src_w, self.scaled_h / self.src_h
        out[:, 0] = (out[:, 0] + 0.5) * sx - 0.5 - self.left
        out[:, 1] = (out[:, 1] + 0.5) * sy - 0.5 - self.top
        limit = np.array([self.out_w, self.out_h], dtype=np.float32) - 0.5
        inside = ((out[:, :2] >= -0.5) & (out[:, :2] < limit)).all(axis=1)
        out[~inside, 2] = 0
        return out

    def _source_index(self, offset: int, scaled: int, src: int, size: int) -> np.ndarray:
        centres = np.arange(size, dtype=np.float64) + offset + 0.5  # in the scaled grid
        return np.minimum(np.floor(centres * src / scaled).astype(np.int64), src - 1)

    def _check(self, array: np.ndarray) -> None:
        if array.shape[:2] != (self.src_h, self.src_w):
            raise ValueError(f'array of shape {array.shape} given to a SquareFit built for '
                             f'{self.src_h}x{self.src_w}')
