"""Recover ``Generator`` kwargs from the parameter shapes of an NVIDIA-named state dict (for
formats that do not store them, e.g. rosinality's)."""
from __future__ import annotations

import re

import torch

from .errors import GeneratorLoadError
from .ops import setup_filter
from .synthesis import block_channels

__all__ = ['infer_init_kwargs', 'solve_channel_layout', 'block_resolutions_in']


def block_resolutions_in(state_dict: dict[str, torch.Tensor]) -> list[int]:
    """Sorted resolutions R of the ``synthesis.b{R}.conv1.weight`` keys."""
    found = (re.fullmatch(r'synthesis\.b(\d+)\.conv1\.weight', k) for k in state_dict)
    return sorted(int(m.group(1)) for m in found if m)


def solve_channel_layout(channels: dict[int, int]) -> tuple[int, int]:
    """(channel_base, channel_max) reproducing ``channels`` ({resolution: channels}).

    Raises:
        GeneratorLoadError: no such pair exists (channels not of the StyleGAN2 form).
    """
    channel_max = max(channels.values())
    candidates = sorted({c * r for r, c in channels.items()} | {channel_max * max(channels)})
    for base in candidates:
        if all(block_channels(r, base, channel_max) == c for r, c in channels.items()):
            return base, channel_max
    raise GeneratorLoadError(f'channels per resolution {channels} are not of the form '
                             f'min(channel_base // R, channel_max)')


def infer_init_kwargs(state_dict: dict[str, torch.Tensor]) -> dict:
    """``Generator`` kwargs whose parameter shapes match ``state_dict`` (NVIDIA names).

    ``conv_clamp`` cannot be seen in shapes: it is None (as rosinality's model, which has none).
    """
    resolutions = block_resolutions_in(state_dict)
    fc_keys = [k for k in state_dict if re.fullmatch(r'mapping\.fc\d+\.weight', k)]
    if not resolutions or not fc_keys or 'synthesis.b4.const' not in state_dict:
        raise GeneratorLoadError('the weights lack synthesis.b{R}.conv1.weight, '
                                 'synthesis.b4.const or mapping.fc{i}.weight')
    num_layers = len(fc_keys)
    channels = {r: state_dict[f'synthesis.b{r}.conv1.weight'].shape[0] for r in resolutions}
    channel_base, channel_max = solve_channel_layout(channels)
    fc0 = state_dict['mapping.fc0.weight']
    w_dim = state_dict[f'mapping.fc{num_layers - 1}.weight'].shape[0]
    mapping_kwargs: dict = dict(num_layers=num_layers)
    c_dim, z_dim = 0, fc0.shape[1]
    if 'mapping.embed.weight' in state_dict:
        embed = state_dict['mapping.embed.weight']
        c_dim, z_dim = embed.shape[1], fc0.shape[1] - embed.shape[0]
        if embed.shape[0] != w_dim:
            mapping_kwargs['embed_features'] = embed.shape[0]
    if num_layers > 1 and fc0.shape[0] != w_dim:
        mapping_kwargs['layer_features'] = fc0.shape[0]
    synthesis_kwargs: dict = dict(channel_base=channel_base, channel_max=channel_max,
                                  conv_clamp=None)
    f = state_dict.get('synthesis.b4.resample_filter')
    if f is not None and (f.shape != (4, 4) or not torch.allclose(f, setup_filter())):
        synthesis_kwargs['resample_filter'] = [float(t) for t in f.sum(dim=0)]
    if 'synthesis.b4.conv1.noise_const' not in state_dict:
        synthesis_kwargs['use_noise'] = False
    return dict(z_dim=z_dim, c_dim=c_dim, w_dim=w_dim, img_resolution=max(resolutions),
                img_channels=state_dict['synthesis.b4.torgb.weight'].shape[0],
                mapping_kwargs=mapping_kwargs, synthesis_kwargs=synthesis_kwargs)
