"""The interpreter's first linear layer on whole images, one band of output rows at a time,
without building the hypercolumns.

The first layer ``W`` (C -> P = M * H1 channels) commutes with bilinear resampling (both are
linear, and a pixel's resampling weights sum to 1): ``W @ up(f) = up(W @ f)``. For a band of
output rows the first hidden layer is therefore

    hidden[n, :, y, x] = b + sum_g up_g(W_g @ f_g)[n, :, y, x]        (projected first)
                           + W_r @ cat_g up_g(f_g)[n, :, y, x]         (resampled first)

where g runs over the groups of feature maps of one spatial size (maps of a size are projected
together and resampled once). Each group takes the cheaper order by :func:`project_first`'s cost
model: projecting first costs a GEMM at the map's own resolution plus resampling P channels;
resampling first costs resampling the map's own channels plus a GEMM at the output resolution.

How it stays cheap (CPU figures in docs/benchmarks.md, ``tools/perf/benchmark_generation.py``):

* maps of the output size, and maps resampled first, are projected by one GEMM per band that
  also writes the band (bias added in place);
* a projected group is computed once per block of source rows (at least ``MIN_PROJECT_PIXELS``
  pixels per image, so each GEMM stays large); a band reuses the block while its rows last;
* rows are resampled with their two taps; columns by one GEMM that accumulates into the band:
  with an integer factor, overlapping windows of the source rows times one small tap matrix
  (a few multiply-adds per output value), else the dense column tap matrix;
* scratch tensors are reused from band to band (a fresh large tensor costs page faults on
  CPU), and the caller picks bands of a few thousand pixels, which stay in the CPU's cache.

Pure torch; every order and form equals the materialised computation up to float rounding
(``tests/test_models/test_band_projection.py``). Where autograd records, a plain
differentiable form is used instead (no reused buffers).
"""
from __future__ import annotations

from typing import Iterator, Sequence

import torch

from mmdsgan.utils.profiling import stage

from .bilinear_taps import LinearTaps, linear_taps

__all__ = ['BandProjection', 'Buffers', 'cat_rows', 'group_by_size', 'project_first']

# Cost of resampling one output value, in multiply-adds of a GEMM (memory-bound passes are
# that much slower per value than a well-blocked GEMM on CPU).
RESAMPLE_COST = 16
# New projected rows are computed in blocks of at least this many pixels per image.
MIN_PROJECT_PIXELS = 2048
# Output columns per window of the column expansion's GEMM (see _ColumnExpansion).
WINDOW_COLUMNS = 16


def group_by_size(feats: Sequence[torch.Tensor], weights: Sequence[torch.Tensor]
                  ) -> list[tuple[list[torch.Tensor], torch.Tensor]]:
    """Gather consecutive maps of one spatial size with their projection weights: the
    projection is linear, so ``W1 @ f1 + W2 @ f2 = cat(W1, W2) @ cat(f1, f2)``, one GEMM. The
    maps stay separate (copying whole maps together would cost more than the GEMM saves); only
    the rows a GEMM reads are concatenated, see :func:`cat_rows`.

    Args:
        feats: maps (N, C_l, H_l, W_l).
        weights: their slices of the first layer, (P, C_l).

    Returns:
        ``[(maps [(N, C_l, H_g, W_g), ...], weight (P, C_g)), ...]``, C_g the maps' channels.
    """
    groups: list[tuple[list[torch.Tensor], list[torch.Tensor]]] = []
    for feat, weight in zip(feats, weights):
        if groups and groups[-1][0][0].shape[-2:] == feat.shape[-2:]:
            groups[-1][0].append(feat)
            groups[-1][1].append(weight)
        else:
            groups.append(([feat], [weight]))
    return [(maps, torch.cat(ws, 1) if len(ws) > 1 else ws[0]) for maps, ws in groups]


def cat_rows(maps: Sequence[torch.Tensor], lo: int, hi: int) -> torch.Tensor:
    """Rows ``lo:hi`` of maps of one size, concatenated along channels and flattened:
    (N, sum C_l, (hi - lo) * W)."""
    rows = [m[:, :, lo:hi].flatten(2) for m in maps]
    return torch.cat(rows, 1) if len(rows) > 1 else rows[0]


def project_first(channels: int, size: tuple[int, int], out_size: tuple[int, int],
                  width: int) -> bool:
    """Whether a group of ``channels`` maps of ``size`` is cheaper projected to ``width`` (P)
    channels at its own resolution, then resampled, than resampled first and projected at
    ``out_size`` (see the module docstring). Maps of the output size are always projected."""
    src, out = size[0] * size[1], out_size[0] * out_size[1]
    if tuple(size) == tuple(out_size):
        return True
    first = width * channels * src + RESAMPLE_COST * width * out
    last = width * channels * out + RESAMPLE_COST * channels * out
    return first <= last


class Buffers:
    """Reused scratch tensors, one per name: a fresh large tensor per band would cost a page
    fault per 4 KB on CPU (the allocator returns big blocks to the system), more than the
    arithmetic that fills it."""

    def __init__(self) -> None:
        self._flat: dict[str, torch.Tensor] = {}

    def get(self, name: str, shape: Sequence[int], like: torch.Tensor) -> torch.Tensor:
        """A contiguous tensor of ``shape`` (contents undefined), dtype/device of ``like``."""
        numel = 1
        for size in shape:
            numel *= size
        flat = self._flat.get(name)
        if flat is None or flat.numel() < numel:
            flat = self._flat[name] = like.new_empty(numel)
        return flat[:numel].view(*shape)


class _ColumnExpansion:
    """Adds the bilinear column resampling of rows of width W_src to rows of width W_out, by a
    GEMM that accumulates into the output.

    With an integer factor s = W_out / W_src and at least three blocks, the source rows are cut
    into blocks of b columns, each widened by the last column of the block before and the first
    of the block after (the row's own edge column at its ends: the border clamp) into a window of
    b + 2 columns; output block k (s * b columns) is its window times one (b + 2, s * b) tap
    matrix shared by every k: b + 2 multiply-adds per output value, and the windows cost one copy
    of the source (1/s of the output). Otherwise the dense (W_src, W_out) tap matrix.
    """

    def __init__(self, src_width: int, out_width: int, device, dtype) -> None:
        self.src_width, self.out_width = src_width, out_width
        taps = linear_taps(src_width, out_width, device, dtype)
        factor, rest = divmod(out_width, src_width)
        # Source columns per block: the smallest divisor of W_src giving blocks at least
        # WINDOW_COLUMNS output columns wide (a narrower GEMM wastes the vector unit).
        block = next((b for b in range(-(-WINDOW_COLUMNS // max(factor, 1)), src_width + 1)
                      if src_width % b == 0), src_width)
        self.windowed = rest == 0 and factor > 1 and src_width // block >= 3
        if not self.windowed:  # (W_src + 2, W_out), zero rows for the pad columns
            self.matrix = torch.zeros(src_width + 2, out_width, dtype=dtype, device=device)
            self.matrix[1:-1] = taps.matrix(src_width, dtype).t()
            return
        self.block, width = block, factor * block
        # Block 1 is interior: its taps i0 and i0 + 1 are window columns i0 + 1 - block and
        # the one after, in a window with the previous block's last column first.
        cols = slice(width, 2 * width)
        first = taps.i0[cols] + 1 - block
        out = torch.arange(width, device=device)
        window = torch.zeros(block + 2, width, dtype=dtype, device=device)
        window.index_put_((first, out), taps.w0[cols], accumulate=True)
        window.index_put_((first + 1, out), taps.w1[cols], accumulate=True)
        self.matrix = window  # (b + 2, s*b)

    def add_into(self, out: torch.Tensor, padded: torch.Tensor, buffers: 'Buffers') -> None:
        """``out += resample_columns(padded[..., 1:-1])``.

        Args:
            out: (N, C, R, W_out) contiguous.
            padded: (N, C, R, W_src + 2) contiguous: the source rows with one copy of their
                edge column at each end (:func:`_resample_rows` writes them so).
            buffers: where the windows are copied to.
        """
        rows = padded.numel() // (self.src_width + 2)
        if not self.windowed:
            out.view(rows, self.out_width).addmm_(padded.view(rows, -1), self.matrix)
            return
        blocks = self.src_width // self.block
        # Window k of a row starts at padded column k * b: overlapping views of the rows, made
        # into a matrix by one streaming copy (the GEMM cannot read overlapping rows).
        windows = padded.as_strided((rows, blocks, self.block + 2),
                                    (self.src_width + 2, self.block, 1),
                                    padded.storage_offset())
        matrix = buffers.get('windows', (rows, blocks, self.block + 2), padded)
        matrix.copy_(windows)
        out.view(rows * blocks, -1).addmm_(matrix.view(rows * blocks, -1), self.matrix)


def _resample_rows(x: torch.Tensor, taps: LinearTaps, padded: torch.Tensor) -> torch.Tensor:
    """Two-tap resampling of dim 2, (N, C, h, W) -> ``padded`` (N, C, len(taps), W + 2), whose
    first and last columns repeat the edge columns (what the border clamp of the column
    resampling reads); the taps index into ``x``. Returns ``padded``."""
    out = padded[..., 1:-1]
    for r, (i0, i1, w1) in enumerate(zip(taps.i0.tolist(), taps.i1.tolist(),
                                         taps.w1.tolist())):
        if w1 == 0 or i0 == i1:
            out[:, :, r] = x[:, :, i0]
        else:
            torch.lerp(x[:, :, i0], x[:, :, i1], w1, out=out[:, :, r])
    padded[..., 0] = padded[..., 1]
    padded[..., -1] = padded[..., -2]
    return padded


class _ProjectedRows:
    """Rows of ``weight @ maps`` at the maps' resolution, on demand, in blocks.

    Bands move down the image and ask for overlapping source rows; a block of at least
    ``block`` rows is projected when a band needs rows past the current block, starting at the
    band's first row (the one or two rows shared with the previous block are projected again:
    cheaper than copying the block together).
    """

    def __init__(self, maps: list[torch.Tensor], weight: torch.Tensor, block: int,
                 buffers: Buffers, name: str) -> None:
        self.maps, self.weight, self.block = maps, weight, block
        self.buffers, self.name = buffers, name  # the block's storage, reused
        self.lo = self.hi = 0
        self.rows: torch.Tensor | None = None

    def get(self, lo: int, hi: int) -> torch.Tensor:
        """Projected rows ``lo:hi``, (N, P, hi - lo, W_g)."""
        if self.rows is None or lo < self.lo or hi > self.hi:
            n, _, height, width = self.maps[0].shape
            stop = min(max(hi, lo + self.block), height)
            with stage('projection'):
                out = self.buffers.get(self.name, (n, self.weight.shape[0], (stop - lo) * width),
                                       self.weight)
                torch.matmul(self.weight, cat_rows(self.maps, lo, stop), out=out)
                self.rows = out.view(n, -1, stop - lo, width)  # (N, P, rows, W_g)
            self.lo, self.hi = lo, stop
        return self.rows[:, :, lo - self.lo:hi - self.lo]


class BandProjection:
    """The first hidden layer (before its activation) of bands of output rows.

    Args:
        feats: feature maps [(N, C_l, H_l, W_l), ...], channels in hypercolumn order.
        weight: the first layer's weight as a per-pixel projection, (P, C) with C = sum C_l.
        bias: (P,).
        out_size: (H, W) of the output grid.
        buffers: scratch storage to reuse (e.g. across the images of a batch); default new.

    ``band(start, stop)`` -> (N, P, stop - start, W), valid until the next call (its memory is
    reused). Bands must be asked for top to bottom. Where autograd records (grad enabled and
    the weights or maps require grad), bands are computed by plain differentiable ops instead.
    """

    def __init__(self, feats: Sequence[torch.Tensor], weight: torch.Tensor, bias: torch.Tensor,
                 out_size: tuple[int, int], buffers: Buffers | None = None) -> None:
        self.height, self.width = out_size
        self.n = feats[0].shape[0]
        self.bias = bias
        self.buffers = buffers if buffers is not None else Buffers()
        width = weight.shape[0]
        channels = [f.shape[1] for f in feats]
        groups = self.groups = group_by_size(feats, list(weight.split(channels, dim=1)))
        self.inputs = [weight, bias, *feats]  # what autograd may record through
        ref = feats[0]
        self.direct, self.projected, self.resampled = [], [], []
        for maps, w in groups:
            size = tuple(maps[0].shape[-2:])
            if size == tuple(out_size):  # no resampling: projected band by band
                self.direct.append((maps, w))
                continue
            rows = linear_taps(size[0], self.height, ref.device, ref.dtype)
            cols = _ColumnExpansion(size[1], self.width, ref.device, ref.dtype)
            if project_first(w.shape[1], size, out_size, width):
                block = max(1, -(-MIN_PROJECT_PIXELS // size[1]))
                cache = _ProjectedRows(maps, w, block, self.buffers,
                                       f'projected{len(self.projected)}')
                self.projected.append((cache, rows, cols))
            else:
                self.resampled.append((maps, w, rows, cols))
        # Maps of the output size and maps resampled first share one GEMM per band.
        weights = [w for _, w in self.direct] + [w for _, w, _, _ in self.resampled]
        self.band_weight = torch.cat(weights, 1) if weights else None  # (P, C_band)

    def band(self, start: int, stop: int) -> torch.Tensor:
        if torch.is_grad_enabled() and any(t.requires_grad for t in self.inputs):
            return self._band_autograd(start, stop)
        n, rows_out, width = self.n, stop - start, self.width
        get = self.buffers.get
        inputs = [cat_rows(maps, start, stop) for maps, _ in self.direct]
        if self.resampled:
            with stage('resampling'):
                for i, (maps, w, rows, cols) in enumerate(self.resampled):
                    band = rows.band(start, stop)
                    lo, hi = band.source_range()
                    feat = cat_rows(maps, lo, hi).view(n, w.shape[1], hi - lo, -1)
                    shape = (n, w.shape[1], rows_out)
                    src = _resample_rows(feat, band.shifted(lo),
                                         get(f'rows{i}', (*shape, feat.shape[3] + 2), feat))
                    full = get(f'full{i}', (*shape, width), feat).zero_()
                    cols.add_into(full, src, self.buffers)
                    inputs.append(full.flatten(2))  # (N, C_g, R*W)
        hidden = get('hidden', (n, self.bias.numel(), rows_out * width), self.bias)
        with stage('projection'):
            if inputs:  # hidden = W_band @ cat(inputs) + b
                maps = torch.cat(inputs, 1) if len(inputs) > 1 else inputs[0]
                torch.bmm(self.band_weight.expand(n, -1, -1), maps, out=hidden)
                hidden.add_(self.bias[:, None])
            else:
                hidden.copy_(self.bias[:, None].expand_as(hidden))
        hidden = hidden.view(n, -1, rows_out, width)  # (N, P, R, W)
        for cache, rows, cols in self.projected:
            band = rows.band(start, stop)
            lo, hi = band.source_range()
            projected = cache.get(lo, hi)  # (N, P, h, W_g)
            with stage('resampling'):
                shape = (*hidden.shape[:3], projected.shape[3] + 2)
                cols.add_into(hidden, _resample_rows(projected, band.shifted(lo),
                                                     get('rows', shape, hidden)), self.buffers)
        return hidden

    def _band_autograd(self, start: int, stop: int) -> torch.Tensor:
        """The same band by differentiable ops, without reused buffers: every group projected
        at its own resolution, then resampled with its dense row and column tap matrices."""
        hidden = self.bias.view(1, -1, 1, 1)
        for maps, weight in self.groups:
            n, _, height, width = maps[0].shape
            rows = linear_taps(height, self.height, weight.device, weight.dtype).band(start, stop)
            lo, hi = rows.source_range()
            projected = torch.matmul(weight, cat_rows(maps, lo, hi)).view(n, -1, hi - lo, width)
            cols = linear_taps(width, self.width, weight.device, weight.dtype)
            hidden = hidden + torch.matmul(
                torch.matmul(rows.shifted(lo).matrix(hi - lo, weight.dtype), projected),
                cols.matrix(width, weight.dtype).t())  # (N, P, R, W)
        return hidden

    def bands(self, band_rows: int, rows: tuple[int, int] | None = None
              ) -> Iterator[tuple[int, int, torch.Tensor]]:
        """``(start, stop, hidden)`` for consecutive bands of ``band_rows`` rows covering
        output rows ``rows`` (default all)."""
        first, last = rows if rows is not None else (0, self.height)
        for start in range(first, last, band_rows):
            stop = min(start + band_rows, last)
            yield start, stop, self.band(start, stop)
