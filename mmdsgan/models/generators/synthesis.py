"""StyleGAN2 synthesis network ('skip' architecture): ws -> image, and optionally the output of
every styled convolution (the feature taps of DatasetGAN / HandsOff).

Parameter and buffer names follow NVIDIA's ``training/networks.py`` (``b{R}.const``,
``b{R}.conv{0,1}.{weight,bias,noise_strength,noise_const,affine.*}``, ``b{R}.torgb.*``,
``resample_filter``), registered in the same order, so an NVIDIA ``G_ema`` state dict loads as is.
"""
from __future__ import annotations

import math
from typing import NamedTuple, Sequence

import torch
from torch import nn

from .mapping import FullyConnectedLayer
from .ops import bias_lrelu, modulated_conv2d, setup_filter, upsample2d

__all__ = ['SynthesisLayer', 'ToRGBLayer', 'SynthesisBlock', 'SynthesisNetwork', 'FeatureInfo',
           'NOISE_MODES', 'block_channels']

NOISE_MODES = ('const', 'random', 'none')


class FeatureInfo(NamedTuple):
    """One feature tap: layer name ('b8.conv0'), channels and (square) resolution."""
    name: str
    channels: int
    resolution: int


def block_channels(resolution: int, channel_base: int, channel_max: int) -> int:
    """Channels of the block at ``resolution``: ``min(channel_base // resolution, channel_max)``."""
    return min(channel_base // resolution, channel_max)


class SynthesisLayer(nn.Module):
    """Modulated 3x3 convolution (optionally 2x upsampling), noise, bias, lrelu·√2, clamp.

    Args:
        in_channels: input channels I.
        out_channels: output channels O.
        w_dim: width of w.
        resolution: output resolution R.
        up: 1, or 2 for the first layer of a block.
        use_noise: add per-pixel noise scaled by the learned ``noise_strength``.
        activation: 'lrelu' (StyleGAN2) or 'linear'.
        resample_filter: FIR taps for upsampling.
        conv_clamp: clamp the output to ±conv_clamp (None = no clamp).
        kernel_size: convolution size (3 in StyleGAN2).

    Shapes: x (N, I, R/up, R/up), w (N, w_dim) -> (N, O, R, R).
    """

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, resolution: int,
                 up: int = 1, use_noise: bool = True, activation: str = 'lrelu',
                 resample_filter: Sequence[float] = (1, 3, 3, 1), conv_clamp: float | None = None,
                 kernel_size: int = 3) -> None:
        super().__init__()
        self.resolution = resolution
        self.up = up
        self.use_noise = use_noise
        self.activation = activation
        self.conv_clamp = conv_clamp
        self.padding = kernel_size // 2
        self.register_buffer('resample_filter', setup_filter(resample_filter))
        self.affine = FullyConnectedLayer(w_dim, in_channels, bias_init=1)
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size))
        if use_noise:
            self.register_buffer('noise_const', torch.randn(resolution, resolution))
            self.noise_strength = nn.Parameter(torch.zeros([]))
        self.bias = nn.Parameter(torch.zeros(out_channels))

    def forward(self, x: torch.Tensor, w: torch.Tensor, noise_mode: str = 'const',
                fused_modconv: bool = True) -> torch.Tensor:
        styles = self.affine(w)  # (N, I)
        x = modulated_conv2d(x, self.weight, styles, up=self.up, padding=self.padding,
                             resample_filter=self.resample_filter, fused=fused_modconv)
        if self.use_noise and noise_mode == 'random':
            x = x + torch.randn(x.shape[0], 1, self.resolution, self.resolution,
                                device=x.device, dtype=x.dtype) * self.noise_strength
        elif self.use_noise and noise_mode == 'const':
            x = x + self.noise_const * self.noise_strength
        return bias_lrelu(x, self.bias, act=self.activation, clamp=self.conv_clamp)


class ToRGBLayer(nn.Module):
    """Modulated 1x1 convolution without demodulation, plus bias and clamp.

    Shapes: x (N, C, R, R), w (N, w_dim) -> (N, img_channels, R, R).
    """

    def __init__(self, in_channels: int, out_channels: int, w_dim: int,
                 conv_clamp: float | None = None) -> None:
        super().__init__()
        self.conv_clamp = conv_clamp
        self.affine = FullyConnectedLayer(w_dim, in_channels, bias_init=1)
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, 1, 1))
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.weight_gain = 1 / math.sqrt(in_channels)

    def forward(self, x: torch.Tensor, w: torch.Tensor, fused_modconv: bool = True) -> torch.Tensor:
        styles = self.affine(w) * self.weight_gain  # (N, C)
        x = modulated_conv2d(x, self.weight, styles, demodulate=False, fused=fused_modconv)
        return bias_lrelu(x, self.bias, act='linear', clamp=self.conv_clamp)


class SynthesisBlock(nn.Module):
    """One resolution of the 'skip' generator: [const] or conv0 (up=2), conv1, torgb, and the
    upsampled running image.

    Args:
        in_channels: channels of the previous block, 0 for the 4x4 block (learned constant).
        out_channels: channels of this block.
        w_dim: width of w.
        resolution: R.
        img_channels: image channels.
        resample_filter: FIR taps.
        conv_clamp: clamp of every layer's output.
        **layer_kwargs: ``use_noise``, ``activation`` for :class:`SynthesisLayer`.

    Uses ``num_conv + 1`` ws: one per conv, one for torgb (shared with the next block's conv0).
    """

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, resolution: int,
                 img_channels: int, resample_filter: Sequence[float] = (1, 3, 3, 1),
                 conv_clamp: float | None = None, **layer_kwargs) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.resolution = resolution
        self.register_buffer('resample_filter', setup_filter(resample_filter))
        if in_channels == 0:
            self.const = nn.Parameter(torch.randn(out_channels, resolution, resolution))
        else:
            self.conv0 = SynthesisLayer(in_channels, out_channels, w_dim, resolution, up=2,
                                        resample_filter=resample_filter, conv_clamp=conv_clamp,
                                        **layer_kwargs)
        self.conv1 = SynthesisLayer(out_channels, out_channels, w_dim, resolution,
                                    resample_filter=resample_filter, conv_clamp=conv_clamp,
                                    **layer_kwargs)
        self.torgb = ToRGBLayer(out_channels, img_channels, w_dim, conv_clamp=conv_clamp)
        self.num_conv = 1 if in_channels == 0 else 2
        self.layer_names = ['conv1'] if in_channels == 0 else ['conv0', 'conv1']

    def forward(self, x: torch.Tensor | None, img: torch.Tensor | None, ws: torch.Tensor,
                noise_mode: str = 'const', fused_modconv: bool = True,
                feats: list[torch.Tensor] | None = None
                ) -> tuple[torch.Tensor, torch.Tensor]:
        """Args: x (N, C_in, R/2, R/2) or None for b4; img (N, 3, R/2, R/2) or None;
        ws (N, num_conv + 1, w_dim); feats: list that receives each conv output (N, C, R, R).

        Returns: x (N, C, R, R), img (N, 3, R, R).
        """
        w_iter = iter(ws.unbind(dim=1))
        if self.in_channels == 0:
            x = self.const.unsqueeze(0).repeat([ws.shape[0], 1, 1, 1])  # (N, C, 4, 4)
        for name in self.layer_names:
            x = getattr(self, name)(x, next(w_iter), noise_mode, fused_modconv)
            if feats is not None:
                feats.append(x)
        y = self.torgb(x, next(w_iter), fused_modconv)
        img = y if img is None else upsample2d(img, self.resample_filter) + y
        return x, img


class SynthesisNetwork(nn.Module):
    """ws -> image for resolutions 4 .. ``img_resolution``.

    Args:
        w_dim: width of w.
        img_resolution: output resolution, a power of two >= 4.
        img_channels: image channels.
        channel_base: channels of block R are ``min(channel_base // R, channel_max)``.
        channel_max: see above.
        **block_kwargs: ``conv_clamp``, ``resample_filter``, ``use_noise``, ``activation``.
    """

    def __init__(self, w_dim: int, img_resolution: int, img_channels: int,
                 channel_base: int = 32768, channel_max: int = 512, **block_kwargs) -> None:
        super().__init__()
        if img_resolution < 4 or img_resolution & (img_resolution - 1):
            raise ValueError(f'img_resolution must be a power of two >= 4, got {img_resolution}')
        self.w_dim = w_dim
        self.img_resolution = img_resolution
        self.img_channels = img_channels
        self.block_resolutions = [2 ** i for i in range(2, int(math.log2(img_resolution)) + 1)]
        self.num_ws = 0
        self.feature_info: list[FeatureInfo] = []
        for res in self.block_resolutions:
            in_ch = block_channels(res // 2, channel_base, channel_max) if res > 4 else 0
            out_ch = block_channels(res, channel_base, channel_max)
            block = SynthesisBlock(in_ch, out_ch, w_dim, res, img_channels, **block_kwargs)
            setattr(self, f'b{res}', block)
            self.num_ws += block.num_conv
            self.feature_info += [FeatureInfo(f'b{res}.{name}', out_ch, res)
                                  for name in block.layer_names]
        self.num_ws += 1  # the last block's torgb

    def forward(self, ws: torch.Tensor, noise_mode: str = 'const', return_features: bool = False,
                fused_modconv: bool | None = None
                ) -> torch.Tensor | tuple[torch.Tensor, list[torch.Tensor]]:
        """Synthesize images.

        Args:
            ws: (N, num_ws, w_dim).
            noise_mode: 'const' (stored ``noise_const``), 'random' (fresh noise) or 'none'.
            return_features: also return every conv layer's output.
            fused_modconv: grouped per-sample convolution; None = only in eval mode (NVIDIA's
                rule). Both give the same result.

        Returns:
            img (N, img_channels, R, R), roughly in [-1, 1]; with ``return_features`` also
            ``feats``: list of (N, C_l, H_l, W_l) in the order of ``feature_info``.
        """
        if noise_mode not in NOISE_MODES:
            raise ValueError(f'noise_mode must be one of {NOISE_MODES}, got {noise_mode!r}')
        if ws.ndim != 3 or ws.shape[1:] != (self.num_ws, self.w_dim):
            raise ValueError(f'ws must be (N, {self.num_ws}, {self.w_dim}), got {tuple(ws.shape)}')
        if fused_modconv is None:
            fused_modconv = not self.training
        ws = ws.float()
        feats: list[torch.Tensor] | None = [] if return_features else None
        x = img = None
        w_idx = 0
        for res in self.block_resolutions:
            block = getattr(self, f'b{res}')
            block_ws = ws.narrow(1, w_idx, block.num_conv + 1)  # (N, num_conv + 1, w_dim)
            x, img = block(x, img, block_ws, noise_mode, fused_modconv, feats)
            w_idx += block.num_conv
        return (img, feats) if return_features else img
