"""StyleGAN2 generator (mapping + 'skip' synthesis), NVIDIA-compatible in names and maths.

``Generator(**G.init_kwargs)`` rebuilds the architecture; NVIDIA's ``_init_kwargs`` (stylegan2-ada
layout) are accepted as they are. Keyword rule: a key in ``MAPPING_KWARGS`` / ``SYNTHESIS_KWARGS``
is honoured, a key in ``IGNORED_KWARGS`` (precision and speed settings: we always compute in
float32) is accepted and ignored, any other key raises ``ValueError`` naming it.
"""
from __future__ import annotations

import copy
from typing import Any

import torch
from torch import nn

from .mapping import MappingNetwork
from .synthesis import SynthesisNetwork

__all__ = ['Generator', 'MAPPING_KWARGS', 'SYNTHESIS_KWARGS', 'IGNORED_KWARGS']

MAPPING_KWARGS = ('num_layers', 'embed_features', 'layer_features', 'activation',
                  'lr_multiplier', 'w_avg_beta')
SYNTHESIS_KWARGS = ('channel_base', 'channel_max', 'conv_clamp', 'resample_filter', 'use_noise',
                    'activation', 'architecture')
IGNORED_KWARGS = ('num_fp16_res', 'fp16_channels_last', 'channels_last', 'use_fp16',
                  'fused_modconv_default')
_SUPPORTED_VALUES = {'architecture': ('skip',), 'activation': ('lrelu',)}


def _checked(kwargs: dict[str, Any] | None, allowed: tuple[str, ...], field: str) -> dict:
    """Keep the honoured keys of ``kwargs``, drop the ignored ones, refuse the rest."""
    kept = {}
    for key, value in dict(kwargs or {}).items():
        if key in IGNORED_KWARGS:
            continue
        if key not in allowed:
            raise ValueError(
                f'Generator {field} has an unsupported key {key!r}; supported: {list(allowed)}; '
                f'accepted and ignored (float32 only): {list(IGNORED_KWARGS)}. Remove the key or '
                f'use a generator configuration this StyleGAN2 implementation covers.')
        if key in _SUPPORTED_VALUES and value not in _SUPPORTED_VALUES[key]:
            raise ValueError(f'Generator {field}.{key}={value!r} is not supported; only '
                             f'{_SUPPORTED_VALUES[key]} (the StyleGAN2 config-e/f generator)')
        kept[key] = value
    return kept


class Generator(nn.Module):
    """StyleGAN2 generator.

    Args:
        z_dim: latent width (512 for the public models).
        c_dim: label width, 0 = unconditional.
        w_dim: intermediate latent width.
        img_resolution: output resolution (power of two, 4 .. 1024 and beyond).
        img_channels: image channels.
        mapping_kwargs: :class:`MappingNetwork` options (``num_layers`` = 8 by default).
        synthesis_kwargs: :class:`SynthesisNetwork` options: ``channel_base`` (32768 = config-f),
            ``channel_max`` (512), ``conv_clamp`` (None; 256 for ADA checkpoints),
            ``resample_filter``, ``use_noise``; fp16 options are ignored.

    Attributes:
        num_ws: number of ws the synthesis consumes (``2 * log2(R) - 2``).
        w_avg: (w_dim,) tracked average of w.
        feature_layer_names / feature_channels / feature_resolutions: one entry per
            conv layer output returned by ``synthesis(..., return_features=True)``.
        init_kwargs: the constructor arguments; ``Generator(**G.init_kwargs)`` rebuilds it.
    """

    def __init__(self, z_dim: int, c_dim: int, w_dim: int, img_resolution: int,
                 img_channels: int = 3, mapping_kwargs: dict[str, Any] | None = None,
                 synthesis_kwargs: dict[str, Any] | None = None) -> None:
        super().__init__()
        if mapping_kwargs is None:
            mapping_kwargs = dict(num_layers=8)
        if synthesis_kwargs is None:
            synthesis_kwargs = dict(channel_base=32768, channel_max=512, conv_clamp=None,
                                    num_fp16_res=0)
        self.init_kwargs = copy.deepcopy(dict(
            z_dim=z_dim, c_dim=c_dim, w_dim=w_dim, img_resolution=img_resolution,
            img_channels=img_channels, mapping_kwargs=dict(mapping_kwargs),
            synthesis_kwargs=dict(synthesis_kwargs)))
        synthesis_kw = _checked(synthesis_kwargs, SYNTHESIS_KWARGS, 'synthesis_kwargs')
        synthesis_kw.pop('architecture', None)
        self.z_dim = z_dim
        self.c_dim = c_dim
        self.w_dim = w_dim
        self.img_resolution = img_resolution
        self.img_channels = img_channels
        # Registered before the mapping network, as NVIDIA does: same state_dict order.
        self.synthesis = SynthesisNetwork(w_dim, img_resolution, img_channels, **synthesis_kw)
        self.num_ws = self.synthesis.num_ws
        self.mapping = MappingNetwork(z_dim, c_dim, w_dim, self.num_ws,
                                      **_checked(mapping_kwargs, MAPPING_KWARGS, 'mapping_kwargs'))

    @property
    def w_avg(self) -> torch.Tensor:
        """(w_dim,) average w (tracked during training, loaded from checkpoints)."""
        return self.mapping.w_avg

    @property
    def feature_layer_names(self) -> list[str]:
        return [info.name for info in self.synthesis.feature_info]

    @property
    def feature_channels(self) -> list[int]:
        return [info.channels for info in self.synthesis.feature_info]

    @property
    def feature_resolutions(self) -> list[int]:
        return [info.resolution for info in self.synthesis.feature_info]

    def forward(self, z: torch.Tensor, c: torch.Tensor | None = None, truncation_psi: float = 1.0,
                truncation_cutoff: int | None = None, noise_mode: str = 'const') -> torch.Tensor:
        """z (N, z_dim), c (N, c_dim) or None -> img (N, img_channels, R, R)."""
        ws = self.mapping(z, c, truncation_psi=truncation_psi, truncation_cutoff=truncation_cutoff)
        return self.synthesis(ws, noise_mode=noise_mode)

    def extra_repr(self) -> str:
        return (f'z_dim={self.z_dim}, c_dim={self.c_dim}, w_dim={self.w_dim}, '
                f'img_resolution={self.img_resolution}, num_ws={self.num_ws}')
