"""The supersampled canvas, the face's coordinate frame, and the resolve to output pixels.

:class:`_Canvas` holds ``SUPERSAMPLE`` x ``SUPERSAMPLE`` sub-pixel samples per output pixel; the
layers (:mod:`.layers`) paint each sample's class id, base colour, shading and depth back to
front. :class:`_Frame` gives every sample its coordinates in the face's rotated frame.
:func:`_resolve` turns the samples into output pixels: a box-filtered colour, the majority
class, and the mean depth of the winning class's samples.
"""
from __future__ import annotations

import math
from typing import Optional, Tuple, Union

import numpy as np

from .constants import BACKGROUND_DEPTH, NUM_CLASSES
from .sampling import Colour, _Pose

Window = Tuple[slice, slice]  # rows, columns of the supersampled canvas
FULL: Window = (slice(None), slice(None))


class _Canvas:
    """Sub-pixel layers painted back to front: class id, base colour, shading, depth."""

    def __init__(self, size: int, factor: int) -> None:
        n = size * factor
        self.size, self.factor = size, factor
        step = np.float32(1.0 / factor)
        # Sample coordinates in output pixels; the centre of output pixel j is at j.
        coords = (np.arange(n, dtype=np.float32) + np.float32(0.5)) * step - np.float32(0.5)
        self.x = np.broadcast_to(coords[None, :], (n, n))  # (Hs, Ws)
        self.y = np.broadcast_to(coords[:, None], (n, n))  # (Hs, Ws)
        self.label = np.zeros((n, n), np.uint8)  # (Hs, Ws)
        self.colour = np.zeros((3, n, n), np.float32)  # (3, Hs, Ws)
        self.shade = np.ones((n, n), np.float32)  # (Hs, Ws)
        self.depth = np.full((n, n), BACKGROUND_DEPTH, np.float32)  # (Hs, Ws)

    def window(self, x0: float, x1: float, y0: float, y1: float) -> Optional[Window]:
        """Sample-index slices covering the image box [x0, x1] x [y0, y1] (output pixels)."""
        n, k = self.size * self.factor, self.factor
        c0 = max(int(math.floor((x0 + 0.5) * k - 0.5)) - 1, 0)
        c1 = min(int(math.ceil((x1 + 0.5) * k - 0.5)) + 2, n)
        r0 = max(int(math.floor((y0 + 0.5) * k - 0.5)) - 1, 0)
        r1 = min(int(math.ceil((y1 + 0.5) * k - 0.5)) + 2, n)
        if c0 >= c1 or r0 >= r1:
            return None
        return slice(r0, r1), slice(c0, c1)

    def paint(self, region: np.ndarray, cls: int, colour: Union[Colour, np.ndarray],
              shade: Union[float, np.ndarray] = 1.0, depth: Union[float, np.ndarray] = None,
              win: Window = FULL) -> None:
        """Set class, colour, shade and depth inside ``region``, all shaped like window ``win``.

        ``colour`` is (3,) or (3, h, w); ``region``, ``shade`` and ``depth`` are (h, w) or
        scalars, where (h, w) is the shape of the window (the whole canvas by default).
        """
        np.copyto(self.label[win], cls, where=region)
        col = np.asarray(colour, np.float32)
        np.copyto(self.colour[(slice(None),) + win], col.reshape(3, 1, 1) if col.ndim == 1
                  else col, where=region[None])
        np.copyto(self.shade[win], np.float32(shade) if np.isscalar(shade) else shade,
                  where=region)
        if depth is not None:
            np.copyto(self.depth[win], np.float32(depth) if np.isscalar(depth) else depth,
                      where=region)


class _Frame:
    """The face's rotated coordinates (u right, v down) in units of the head unit R."""

    def __init__(self, canvas: _Canvas, pose: _Pose) -> None:
        s = canvas.size
        # Fractions of the image are continuous positions: the image spans [-0.5, s - 0.5].
        self.cx, self.cy, self.r = pose.cx * s - 0.5, pose.cy * s - 0.5, pose.radius * s
        self.cos, self.sin = pose.cos, pose.sin
        dx = (canvas.x - np.float32(self.cx)) * np.float32(1.0 / self.r)
        dy = (canvas.y - np.float32(self.cy)) * np.float32(1.0 / self.r)
        c, sn = np.float32(self.cos), np.float32(self.sin)
        self.u = dx * c + dy * sn  # (Hs, Ws)
        self.v = dy * c - dx * sn  # (Hs, Ws)
        self.depth = 0.48 / pose.radius  # head centre's distance: smaller faces are further

    def to_image(self, u: float, v: float) -> Tuple[float, float]:
        """Local (u, v) to image (x, y) pixel coordinates."""
        return (self.cx + self.r * (u * self.cos - v * self.sin),
                self.cy + self.r * (u * self.sin + v * self.cos))

    def window(self, cv: _Canvas, u0: float, u1: float, v0: float, v1: float
               ) -> Optional[Window]:
        """Canvas window holding the local box [u0, u1] x [v0, v1] (None when off-image).

        Parts are evaluated only inside their window: a conservative box gives the same
        result as evaluating the whole canvas, only faster.
        """
        xs, ys = zip(*(self.to_image(a, b) for a in (u0, u1) for b in (v0, v1)))
        return cv.window(min(xs), max(xs), min(ys), max(ys))


# --------------------------------------------------------------------------------------------
# From sub-pixel samples to output pixels
# --------------------------------------------------------------------------------------------


def _box_sum(a: np.ndarray, factor: int) -> np.ndarray:
    """Sum of each factor x factor block over the last two axes, (..., Hs, Ws) -> (..., H, W).

    The slices are added in a fixed order, so the result does not depend on SIMD paths.
    """
    out = None
    for dy in range(factor):
        for dx in range(factor):
            part = a[..., dy::factor, dx::factor]
            out = part.copy() if out is None else out + part
    return out


def _resolve(cv: _Canvas) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Box-filtered colour (3, H, W) in [0, 1]-ish, majority-class mask (H, W), depth (H, W)."""
    k = cv.factor
    rgb = _box_sum(cv.colour * cv.shade[None], k) * np.float32(1.0 / (k * k))  # (3, H, W)
    onehot = cv.label[None] == np.arange(NUM_CLASSES, dtype=np.uint8)[:, None, None]
    counts = _box_sum(onehot.astype(np.int16), k)  # (C, H, W)
    # argmax returns the first maximum; scanning classes high to low makes ties go to the
    # higher id (the small parts drawn on top).
    mask = (NUM_CLASSES - 1 - np.argmax(counts[::-1], axis=0)).astype(np.uint8)  # (H, W)
    mask_up = np.repeat(np.repeat(mask, k, axis=0), k, axis=1)  # (Hs, Ws)
    won = cv.label == mask_up
    depth_sum = _box_sum(np.where(won, cv.depth, np.float32(0)), k)  # (H, W)
    won_count = np.take_along_axis(counts, mask[None].astype(np.intp), axis=0)[0]
    depth = depth_sum / won_count.astype(np.float32)
    return rgb, mask, depth
