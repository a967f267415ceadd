"""Bilinear resampling (``align_corners=False``) as explicit two-tap weights per axis.

``F.interpolate(x, size, mode='bilinear', align_corners=False)`` is separable: every output row
is ``w0 * row[i0] + w1 * row[i1]`` of the input (and likewise for columns), with the taps
given by PyTorch's rule ``src = max((dst + 0.5) * in / out - 0.5, 0)``, ``i0 = floor(src)``,
``i1 = min(i0 + 1, in - 1)``, ``w1 = src - i0``, ``w0 = 1 - w1``. Holding the row taps lets us
resample only a band of output rows without materialising the full-resolution map. Pure torch.
"""
from __future__ import annotations

from typing import NamedTuple

import torch

__all__ = ['LinearTaps', 'bilinear_source_taps', 'linear_taps', 'resample_rows']


class LinearTaps(NamedTuple):
    """Two-tap linear interpolation from ``in_size`` to ``out_size`` samples along one axis.

    Fields (each of shape (out_size,)): ``i0``, ``i1`` long source indices; ``w0``, ``w1`` float
    weights with ``w0 + w1 == 1``.
    """

    i0: torch.Tensor
    i1: torch.Tensor
    w0: torch.Tensor
    w1: torch.Tensor

    def band(self, start: int, stop: int) -> 'LinearTaps':
        """The taps of output samples ``start:stop``."""
        return LinearTaps(self.i0[start:stop], self.i1[start:stop], self.w0[start:stop],
                          self.w1[start:stop])

    def source_range(self) -> tuple[int, int]:
        """Smallest ``(lo, hi)`` such that every tap reads from source indices ``lo:hi``."""
        return int(self.i0.min()), int(self.i1.max()) + 1

    def matrix(self, in_size: int, dtype: torch.dtype = torch.float32) -> torch.Tensor:
        """The taps as a dense (out, in_size) matrix: row r holds w0 at i0 and w1 at i1."""
        rows = torch.arange(len(self.i0), device=self.i0.device)
        matrix = torch.zeros(len(self.i0), in_size, dtype=dtype, device=self.i0.device)
        matrix.index_put_((rows, self.i0), self.w0.to(dtype), accumulate=True)
        matrix.index_put_((rows, self.i1), self.w1.to(dtype), accumulate=True)
        return matrix

    def shifted(self, offset: int) -> 'LinearTaps':
        """The same taps reading from a source slice that starts at ``offset``."""
        return LinearTaps(self.i0 - offset, self.i1 - offset, self.w0, self.w1)


def bilinear_source_taps(dst: torch.Tensor, in_size: int, out_size: int
                         ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Source taps of output positions ``dst`` along one axis, as
    ``F.interpolate(mode='bilinear', align_corners=False)`` computes them (border clamped).

    Args:
        dst: output positions (any shape) in ``0 .. out_size - 1``.

    Returns:
        ``(i0, i1, w1)`` shaped like ``dst``: long source indices and the float32 weight of
        ``i1``; value = ``(1 - w1) * v[i0] + w1 * v[i1]``, with ``0 <= w1 < 1``.
    """
    src = ((dst.float() + 0.5) * (in_size / out_size) - 0.5).clamp(min=0)
    i0 = src.floor().long().clamp(max=in_size - 1)
    i1 = (i0 + 1).clamp(max=in_size - 1)
    return i0, i1, src - i0.float()


def linear_taps(in_size: int, out_size: int, device: torch.device | str | None = None,
                dtype: torch.dtype = torch.float32) -> LinearTaps:
    """Taps of ``align_corners=False`` linear resampling from ``in_size`` to ``out_size``."""
    dst = torch.arange(out_size, device=device, dtype=torch.float32)
    i0, i1, w1 = bilinear_source_taps(dst, in_size, out_size)
    w1 = w1.to(dtype)
    return LinearTaps(i0, i1, 1 - w1, w1)


def resample_rows(x: torch.Tensor, taps: LinearTaps) -> torch.Tensor:
    """Resample dim -2 of ``x`` (..., H_in, W) to (..., len(taps), W).

    Computed as the product with the dense (len(taps), H_in) tap matrix: a band of a few rows
    makes it small, and one GEMM is an order of magnitude faster on CPU than gathering rows.
    """
    rows = torch.arange(x.shape[-2], device=x.device)
    if len(taps.i0) == len(rows) and torch.equal(taps.i0, rows) and not taps.w1.any():
        return x  # same resolution: the identity
    return torch.matmul(taps.matrix(x.shape[-2], x.dtype), x)  # (..., R, W)
