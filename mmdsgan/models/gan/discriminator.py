"""StyleGAN2 residual discriminator ('resnet' architecture of NVIDIA's ``training/networks.py``).

Layers use the equalized learning rate (weights stored as N(0, 1), scaled by ``1/sqrt(fan_in)`` at
forward time) and FIR-filtered 2x downsampling with the generator's ``upfirdn2d``. Parameter names
follow NVIDIA's (``b{R}.fromrgb``, ``b{R}.conv0``, ``b{R}.conv1``, ``b{R}.skip``, ``b4.conv``,
``b4.fc``, ``b4.out``), so an unconditional NVIDIA ``D`` state dict has the same keys.
"""
from __future__ import annotations

import math
from typing import Sequence

import torch
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import nn

from mmdsgan.models.generators.mapping import FullyConnectedLayer
from mmdsgan.models.generators.ops import bias_lrelu, setup_filter, upfirdn2d
from mmdsgan.models.generators.synthesis import block_channels

__all__ = ['Conv2dLayer', 'MinibatchStdLayer', 'DiscriminatorBlock', 'DiscriminatorEpilogue',
           'StyleGAN2Discriminator']


class Conv2dLayer(nn.Module):
    """Equalized-lr convolution with optional FIR-filtered 2x downsampling, bias, activation.

    Args:
        in_channels: input channels I.
        out_channels: output channels O.
        kernel_size: k (odd).
        bias: learn a bias.
        activation: 'lrelu' (slope 0.2, gain √2) or 'linear'.
        down: 1, or 2 to downsample (filter with ``resample_filter``, then a stride-2 conv).
        resample_filter: FIR taps.
        conv_clamp: clamp the output to ±conv_clamp (None = no clamp).

    Shapes: (N, I, H, W) -> (N, O, H / down, W / down).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, bias: bool = True,
                 activation: str = 'lrelu', down: int = 1,
                 resample_filter: Sequence[float] = (1, 3, 3, 1),
                 conv_clamp: float | None = None) -> None:
        super().__init__()
        if down not in (1, 2):
            raise ValueError(f'Conv2dLayer: down must be 1 or 2, got {down}')
        self.activation = activation
        self.down = down
        self.conv_clamp = conv_clamp
        self.padding = kernel_size // 2
        self.weight_gain = 1 / math.sqrt(in_channels * kernel_size ** 2)
        self.register_buffer('resample_filter', setup_filter(resample_filter))
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None

    def forward(self, x: torch.Tensor, gain: float = 1.0) -> torch.Tensor:
        w = self.weight * self.weight_gain
        if self.down == 1:
            x = F.conv2d(x, w.to(x.dtype), padding=self.padding)
        else:
            # NVIDIA's conv2d_resample for down=2: pad so that the filtered map, convolved with
            # stride 2 and no padding, is exactly half the input size.
            k_f = self.resample_filter.shape[-1]
            pad0 = self.padding + (k_f - self.down + 1) // 2
            pad1 = self.padding + (k_f - self.down) // 2
            if w.shape[-1] == 1:  # 1x1: downsample first, then the cheap convolution
                x = upfirdn2d(x, self.resample_filter, down=2, padding=(pad0, pad1, pad0, pad1))
                x = F.conv2d(x, w.to(x.dtype))
            else:
                x = upfirdn2d(x, self.resample_filter, padding=(pad0, pad1, pad0, pad1))
                x = F.conv2d(x, w.to(x.dtype), stride=2)  # (N, O, H/2, W/2)
        x = bias_lrelu(x, self.bias, act=self.activation, clamp=self.conv_clamp)
        # act(x)·gain clamped to ±clamp·gain (NVIDIA) equals gain·(act(x) clamped to ±clamp).
        return x * gain if gain != 1 else x

    def extra_repr(self) -> str:
        o, i, k, _ = self.weight.shape
        return f'in={i}, out={o}, k={k}, down={self.down}, act={self.activation}'


class MinibatchStdLayer(nn.Module):
    """Append the mean standard deviation over groups of samples as extra feature maps.

    Sample ``i`` belongs to group ``i % (N / G)``; every feature map of a group gets the same
    value: the std over the group's G samples, averaged over the channels of its slice and all
    pixels.

    Args:
        group_size: G (the batch size N must be a multiple of ``min(G, N)``).
        num_channels: number of appended maps F (the C channels are split into F slices).

    Shapes: (N, C, H, W) -> (N, C + F, H, W).
    """

    def __init__(self, group_size: int = 4, num_channels: int = 1) -> None:
        super().__init__()
        self.group_size = group_size
        self.num_channels = num_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        g = min(self.group_size, n)
        if n % g:
            raise ValueError(f'MinibatchStdLayer: batch size {n} is not a multiple of the group '
                             f'size {g}; use a batch size divisible by mbstd_group_size='
                             f'{self.group_size} (per GPU) or change mbstd_group_size')
        f = self.num_channels
        y = x.reshape(g, -1, f, c // f, h, w)  # (G, N/G, F, C/F, H, W)
        y = y - y.mean(dim=0)
        y = (y.square().mean(dim=0) + 1e-8).sqrt()  # (N/G, F, C/F, H, W)
        y = y.mean(dim=[2, 3, 4])  # (N/G, F)
        y = y.reshape(-1, f, 1, 1).repeat(g, 1, h, w)  # (N, F, H, W)
        return torch.cat([x, y.to(x.dtype)], dim=1)

    def extra_repr(self) -> str:
        return f'group_size={self.group_size}, num_channels={self.num_channels}'


class DiscriminatorBlock(nn.Module):
    """One residual block: [fromrgb], conv0 (3x3), conv1 (3x3, down 2) + skip (1x1, down 2), both
    branches scaled by √0.5.

    Args:
        in_channels: channels of the previous block, 0 for the first block (reads the image).
        tmp_channels: channels inside the block.
        out_channels: output channels.
        img_channels: image channels (for fromrgb).
        resample_filter: FIR taps.
        conv_clamp: clamp of every layer.

    Shapes: x (N, in_channels, R, R) or None and img (N, img_channels, R, R)
    -> (N, out_channels, R/2, R/2).
    """

    def __init__(self, in_channels: int, tmp_channels: int, out_channels: int, img_channels: int,
                 resample_filter: Sequence[float] = (1, 3, 3, 1),
                 conv_clamp: float | None = None) -> None:
        super().__init__()
        self.in_channels = in_channels
        self.register_buffer('resample_filter', setup_filter(resample_filter))
        if in_channels == 0:
            self.fromrgb = Conv2dLayer(img_channels, tmp_channels, 1, conv_clamp=conv_clamp)
        self.conv0 = Conv2dLayer(tmp_channels, tmp_channels, 3, conv_clamp=conv_clamp)
        self.conv1 = Conv2dLayer(tmp_channels, out_channels, 3, down=2,
                                 resample_filter=resample_filter, conv_clamp=conv_clamp)
        self.skip = Conv2dLayer(tmp_channels, out_channels, 1, bias=False, activation='linear',
                                down=2, resample_filter=resample_filter)

    def forward(self, x: torch.Tensor | None, img: torch.Tensor) -> torch.Tensor:
        if self.in_channels == 0:
            x = self.fromrgb(img)  # (N, tmp, R, R)
        y = self.skip(x, gain=math.sqrt(0.5))  # (N, out, R/2, R/2)
        x = self.conv1(self.conv0(x), gain=math.sqrt(0.5))  # (N, out, R/2, R/2)
        return y + x


class DiscriminatorEpilogue(nn.Module):
    """The 4x4 head: minibatch std, 3x3 conv, fc, linear output (one logit per image).

    Shapes: (N, C, 4, 4) -> (N, 1).
    """

    def __init__(self, in_channels: int, resolution: int = 4, mbstd_group_size: int = 4,
                 mbstd_num_channels: int = 1, conv_clamp: float | None = None) -> None:
        super().__init__()
        self.mbstd = (MinibatchStdLayer(mbstd_group_size, mbstd_num_channels)
                      if mbstd_num_channels > 0 else None)
        self.conv = Conv2dLayer(in_channels + mbstd_num_channels, in_channels, 3,
                                conv_clamp=conv_clamp)
        self.fc = FullyConnectedLayer(in_channels * resolution ** 2, in_channels,
                                      activation='lrelu')
        self.out = FullyConnectedLayer(in_channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.mbstd is not None:
            x = self.mbstd(x)  # (N, C + F, 4, 4)
        x = self.conv(x)  # (N, C, 4, 4)
        x = self.fc(x.flatten(1))  # (N, C * 16) -> (N, C)
        return self.out(x)  # (N, 1)


@MODELS.register_module()
class StyleGAN2Discriminator(nn.Module):
    """StyleGAN2 residual discriminator (unconditional).

    Blocks ``b{R}`` for R = img_resolution .. 8 halve the resolution; ``b4`` is the epilogue.
    Block R has ``min(channel_base // R, channel_max)`` channels inside and outputs the channels
    of R/2, as in NVIDIA's code.

    Args:
        img_resolution: input resolution, a power of two >= 8 (16 .. 1024 in practice).
        img_channels: image channels.
        channel_base: see above; 32768 = StyleGAN2 config-f, 16384 = ADA's 'auto' below 512 px.
        channel_max: see above.
        conv_clamp: clamp every conv output to ±conv_clamp (ADA: 256; None = no clamp).
        mbstd_group_size: samples per minibatch-std group (per GPU batch must be a multiple of
            ``min(mbstd_group_size, batch)``).
        mbstd_num_channels: appended minibatch-std maps (0 = no minibatch std).
        resample_filter: FIR taps of the downsampling filter.

    Shapes: img (N, img_channels, R, R), values roughly in [-1, 1] -> logits (N, 1).
    """

    def __init__(self, img_resolution: int, img_channels: int = 3, channel_base: int = 32768,
                 channel_max: int = 512, conv_clamp: float | None = None,
                 mbstd_group_size: int = 4, mbstd_num_channels: int = 1,
                 resample_filter: Sequence[float] = (1, 3, 3, 1)) -> None:
        super().__init__()
        if img_resolution < 8 or img_resolution & (img_resolution - 1):
            raise ValueError(f'StyleGAN2Discriminator: img_resolution must be a power of two '
                             f'>= 8, got {img_resolution}')
        self.img_resolution = img_resolution
        self.img_channels = img_channels
        log2 = int(math.log2(img_resolution))
        self.block_resolutions = [2 ** i for i in range(log2, 2, -1)]  # R, R/2, ..., 8

        def channels(res: int) -> int:
            return block_channels(res, channel_base, channel_max)

        for res in self.block_resolutions:
            in_ch = channels(res) if res < img_resolution else 0
            setattr(self, f'b{res}', DiscriminatorBlock(
                in_ch, channels(res), channels(res // 2), img_channels,
                resample_filter=resample_filter, conv_clamp=conv_clamp))
        self.b4 = DiscriminatorEpilogue(channels(4), 4, mbstd_group_size, mbstd_num_channels,
                                        conv_clamp=conv_clamp)

    def forward(self, img: torch.Tensor) -> torch.Tensor:
        """img (N, C, R, R) -> logits (N, 1)."""
        expected = (self.img_channels, self.img_resolution, self.img_resolution)
        if img.ndim != 4 or tuple(img.shape[1:]) != expected:
            raise ValueError(f'StyleGAN2Discriminator expects images (N, {expected[0]}, '
                             f'{expected[1]}, {expected[2]}), got {tuple(img.shape)}; resize the '
                             f'data to img_resolution or set img_resolution to the data size')
        x = None
        for res in self.block_resolutions:
            x = getattr(self, f'b{res}')(x, img)  # (N, C_{R/2}, R/2, R/2)
        return self.b4(x)

    def extra_repr(self) -> str:
        return f'img_resolution={self.img_resolution}, img_channels={self.img_channels}'
