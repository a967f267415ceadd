"""StyleGAN2 primitives in plain PyTorch: FIR resampling (upfirdn2d), bias + leaky ReLU + clamp,
2nd-moment normalisation and the modulated convolution.

The maths follows NVIDIA's reference path (``torch_utils/ops`` with ``impl='ref'``); no custom
CUDA/C++ kernels, so it runs wherever torch runs, in float32.
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
import torch.nn.functional as F

__all__ = ['setup_filter', 'upfirdn2d', 'upsample2d', 'bias_lrelu', 'normalize_2nd_moment',
           'modulated_conv2d', 'LRELU_SLOPE', 'LRELU_GAIN']

LRELU_SLOPE = 0.2
LRELU_GAIN = math.sqrt(2)


def setup_filter(taps: Sequence[float] = (1, 3, 3, 1)) -> torch.Tensor:
    """2-D FIR filter from 1-D taps: outer product normalised to sum 1.

    Returns:
        (K, K) float32 tensor; for the default taps ``outer([1,3,3,1], [1,3,3,1]) / 64``.
    """
    f = torch.as_tensor(taps, dtype=torch.float32)
    if f.ndim != 1 or f.numel() < 1:
        raise ValueError(f'resample_filter must be a non-empty list of taps, got {list(taps)}')
    f = torch.outer(f, f)
    return f / f.sum()


def upfirdn2d(x: torch.Tensor, f: torch.Tensor, up: int = 1, down: int = 1,
              padding: Sequence[int] = (0, 0, 0, 0), gain: float = 1.0) -> torch.Tensor:
    """Upsample by zero insertion, pad (or crop), filter with ``f``, downsample.

    Args:
        x: (N, C, H, W) input.
        f: (K, K) FIR filter (as from :func:`setup_filter`); it is scaled by ``gain``.
        up: integer upsampling factor.
        down: integer downsampling factor.
        padding: (x0, x1, y0, y1) padding after upsampling; negative values crop.
        gain: overall gain (4 for 2x upsampling keeps the signal level).

    Returns:
        (N, C, H', W') with H' = (H * up + y0 + y1 - K + 1) // down (rounded up), same for W'.
    """
    n, c, h, w = x.shape
    px0, px1, py0, py1 = padding
    if up > 1:
        x = x.reshape(n, c, h, 1, w, 1)
        x = F.pad(x, [0, up - 1, 0, 0, 0, up - 1])
        x = x.reshape(n, c, h * up, w * up)  # (N, C, H*up, W*up)
    x = F.pad(x, [max(px0, 0), max(px1, 0), max(py0, 0), max(py1, 0)])
    x = x[:, :, max(-py0, 0):x.shape[2] - max(-py1, 0), max(-px0, 0):x.shape[3] - max(-px1, 0)]
    # conv2d is a correlation: flip the filter to convolve.
    kernel = (f.to(x.dtype) * gain).flip([0, 1])
    kernel = kernel[None, None].repeat(c, 1, 1, 1)  # (C, 1, K, K)
    x = F.conv2d(x, kernel, groups=c)
    if down > 1:
        x = x[:, :, ::down, ::down]
    return x


def upsample2d(x: torch.Tensor, f: torch.Tensor, up: int = 2) -> torch.Tensor:
    """FIR upsampling by ``up``: (N, C, H, W) -> (N, C, H*up, W*up), gain ``up**2``."""
    k = f.shape[-1]
    p0, p1 = (k + up - 1) // 2, (k - up) // 2
    return upfirdn2d(x, f, up=up, padding=(p0, p1, p0, p1), gain=up ** 2)


def bias_lrelu(x: torch.Tensor, bias: torch.Tensor | None, act: str = 'lrelu',
               clamp: float | None = None) -> torch.Tensor:
    """``act(x + bias) * gain`` then clamp to ±clamp.

    Args:
        x: (N, C, ...) input.
        bias: (C,) bias or None.
        act: 'lrelu' (slope 0.2, gain √2) or 'linear' (gain 1).
        clamp: clamp magnitude after the gain, None = no clamp.
    """
    if bias is not None:
        x = x + bias.to(x.dtype).reshape(1, -1, *([1] * (x.ndim - 2)))
    if act == 'lrelu':
        x = F.leaky_relu(x, LRELU_SLOPE) * LRELU_GAIN
    elif act != 'linear':
        raise ValueError(f"activation must be 'lrelu' or 'linear', got {act!r}")
    if clamp is not None:
        x = x.clamp(-clamp, clamp)
    return x


def normalize_2nd_moment(x: torch.Tensor, dim: int = 1, eps: float = 1e-8) -> torch.Tensor:
    """``x * rsqrt(mean(x², dim) + eps)`` (the mapping network's input normalisation)."""
    return x * (x.square().mean(dim=dim, keepdim=True) + eps).rsqrt()


def _conv_resample(x: torch.Tensor, weight: torch.Tensor, up: int, padding: int,
                   resample_filter: torch.Tensor | None, groups: int) -> torch.Tensor:
    """Plain or 2x-upsampling convolution as in NVIDIA's ``conv2d_resample``.

    ``up == 1``: ``conv2d(x, weight, padding)``. ``up > 1``: transposed convolution with stride
    ``up`` (weights not flipped), then the FIR filter with gain ``up**2``; ``padding`` refers to
    the upsampled image. ``weight`` is (groups * O, I, k, k).
    """
    if up == 1:
        return F.conv2d(x, weight, padding=padding, groups=groups)
    if resample_filter is None:
        raise ValueError('an upsampling convolution needs a resample_filter')
    out_total, in_per_group, kh, kw = weight.shape
    # conv_transpose2d wants (groups * I, O, k, k).
    w = weight.reshape(groups, out_total // groups, in_per_group, kh, kw).transpose(1, 2)
    w = w.reshape(groups * in_per_group, out_total // groups, kh, kw)
    fk = resample_filter.shape[-1]
    p0 = padding + (fk + up - 1) // 2 - (kw - 1)
    p1 = padding + (fk - up) // 2 - (kw - up)
    x = F.conv_transpose2d(x, w, stride=up, groups=groups)  # (N, O, H*up+k-up, ...)
    return upfirdn2d(x, resample_filter, padding=(p0, p1, p0, p1), gain=up ** 2)


def modulated_conv2d(x: torch.Tensor, weight: torch.Tensor, styles: torch.Tensor, up: int = 1,
                     padding: int = 0, resample_filter: torch.Tensor | None = None,
                     demodulate: bool = True, fused: bool = True) -> torch.Tensor:
    """StyleGAN2 modulated (and demodulated) convolution.

    ``Wm[b,o,i] = W[o,i] * styles[b,i]``, demodulated by ``rsqrt(sum_{i,kh,kw} Wm² + 1e-8)``, then
    a per-sample convolution (with ``up`` > 1: transposed conv + FIR filter).

    Args:
        x: (N, I, H, W) activations.
        weight: (O, I, k, k) unscaled weights.
        styles: (N, I) modulation coefficients.
        up: 1 or an integer upsampling factor.
        padding: convolution padding (w.r.t. the upsampled image).
        resample_filter: (K, K) FIR filter, needed when ``up > 1``.
        demodulate: apply weight demodulation.
        fused: one grouped convolution with per-sample weights (``True``) or scale the
            activations before and after a shared convolution (``False``; same result, cheaper
            for large batches in training).

    Returns:
        (N, O, H*up, W*up).
    """
    n = x.shape[0]
    out_ch, in_ch, kh, kw = weight.shape
    if styles.shape != (n, in_ch):
        raise ValueError(f'styles must be ({n}, {in_ch}), got {tuple(styles.shape)}')
    dcoefs = None
    if demodulate or fused:
        w = weight.unsqueeze(0) * styles.reshape(n, 1, in_ch, 1, 1)  # (N, O, I, k, k)
    if demodulate:
        dcoefs = (w.square().sum(dim=[2, 3, 4]) + 1e-8).rsqrt()  # (N, O)
    if fused:
        if demodulate:
            w = w * dcoefs.reshape(n, out_ch, 1, 1, 1)
        x = x.reshape(1, n * in_ch, *x.shape[2:])  # (1, N*I, H, W)
        x = _conv_resample(x, w.reshape(n * out_ch, in_ch, kh, kw), up, padding,
                           resample_filter, groups=n)
        return x.reshape(n, out_ch, *x.shape[2:])  # (N, O, H', W')
    x = x * styles.to(x.dtype).reshape(n, in_ch, 1, 1)
    x = _conv_resample(x, weight, up, padding, resample_filter, groups=1)
    if demodulate:
        x = x * dcoefs.to(x.dtype).reshape(n, out_ch, 1, 1)
    return x
