"""rosinality/stylegan2-pytorch checkpoints (``{'g_ema': state_dict, 'latent_avg': w}``) to and
from NVIDIA parameter names (ours).

The tensors are the same numbers in both (no flips, no rescaling); only names and a few leading
unit dimensions differ. :func:`rosinality_key_pairs` is the whole mapping.
"""
from __future__ import annotations

import re
from typing import Callable, NamedTuple

import torch

from .architecture import infer_init_kwargs
from .errors import GeneratorLoadError
from .ops import setup_filter

__all__ = ['KeyPair', 'rosinality_key_pairs', 'to_rosinality', 'from_rosinality']

Shape = tuple[int, ...]
# kind -> (NVIDIA shape -> rosinality shape, rosinality shape -> NVIDIA shape)
_RESHAPES: dict[str, tuple[Callable[[Shape], Shape], Callable[[Shape], Shape]]] = {
    'same': (lambda s: s, lambda s: s),
    'lead1': (lambda s: (1, *s), lambda s: s[1:]),          # conv weights, const
    'noise_strength': (lambda s: (1,), lambda s: ()),       # [] <-> [1]
    'rgb_bias': (lambda s: (1, s[0], 1, 1), lambda s: (s[1],)),
    'noise_const': (lambda s: (1, 1, *s), lambda s: s[2:]),  # [R,R] <-> [1,1,R,R]
}


class KeyPair(NamedTuple):
    """One tensor: NVIDIA name, rosinality name, reshape kind (see ``_RESHAPES``)."""
    nvidia: str
    rosinality: str
    kind: str


def _conv_layers(img_resolution: int) -> list[tuple[str, str, int]]:
    """(NVIDIA layer, rosinality layer, noise index) for every styled conv, in order."""
    layers = [('b4.conv1', 'conv1', 0)]
    k, res = 1, 8
    while res <= img_resolution:
        layers += [(f'b{res}.conv0', f'convs.{2 * k - 2}', 2 * k - 1),
                   (f'b{res}.conv1', f'convs.{2 * k - 1}', 2 * k)]
        k, res = k + 1, res * 2
    return layers


def _torgb_layers(img_resolution: int) -> list[tuple[str, str]]:
    layers = [('b4.torgb', 'to_rgb1')]
    k, res = 1, 8
    while res <= img_resolution:
        layers.append((f'b{res}.torgb', f'to_rgbs.{k - 1}'))
        k, res = k + 1, res * 2
    return layers


def rosinality_key_pairs(img_resolution: int, num_mapping_layers: int) -> list[KeyPair]:
    """Every learned tensor and noise buffer of an unconditional generator, both names.

    ``mapping.w_avg`` <-> the top-level ``latent_avg`` and the FIR buffers
    (``resample_filter`` <-> ``conv.blur.kernel`` / ``upsample.kernel`` = 4 x filter) are
    handled apart.
    """
    pairs = [KeyPair(f'mapping.fc{i}.{p}', f'style.{i + 1}.{p}', 'same')
             for i in range(num_mapping_layers) for p in ('weight', 'bias')]
    pairs.append(KeyPair('synthesis.b4.const', 'input.input', 'lead1'))
    for nv, ros, noise_idx in _conv_layers(img_resolution):
        nv = f'synthesis.{nv}'
        pairs += [KeyPair(f'{nv}.weight', f'{ros}.conv.weight', 'lead1'),
                  KeyPair(f'{nv}.affine.weight', f'{ros}.conv.modulation.weight', 'same'),
                  KeyPair(f'{nv}.affine.bias', f'{ros}.conv.modulation.bias', 'same'),
                  KeyPair(f'{nv}.noise_strength', f'{ros}.noise.weight', 'noise_strength'),
                  KeyPair(f'{nv}.bias', f'{ros}.activate.bias', 'same'),
                  KeyPair(f'{nv}.noise_const', f'noises.noise_{noise_idx}', 'noise_const')]
    for nv, ros in _torgb_layers(img_resolution):
        nv = f'synthesis.{nv}'
        pairs += [KeyPair(f'{nv}.weight', f'{ros}.conv.weight', 'lead1'),
                  KeyPair(f'{nv}.affine.weight', f'{ros}.conv.modulation.weight', 'same'),
                  KeyPair(f'{nv}.affine.bias', f'{ros}.conv.modulation.bias', 'same'),
                  KeyPair(f'{nv}.bias', f'{ros}.bias', 'rgb_bias')]
    return pairs


def _filter_keys(img_resolution: int) -> tuple[list[str], list[str]]:
    """NVIDIA ``resample_filter`` buffers; rosinality ``blur``/``upsample`` kernels."""
    nvidia, ros = [], []
    res = 4
    while res <= img_resolution:
        nvidia += [f'synthesis.b{res}.resample_filter', f'synthesis.b{res}.conv1.resample_filter']
        if res > 4:
            nvidia.append(f'synthesis.b{res}.conv0.resample_filter')
        res *= 2
    for (_, conv, _), (_, rgb) in zip(_conv_layers(img_resolution)[1::2],
                                      _torgb_layers(img_resolution)[1:]):
        ros += [f'{conv}.conv.blur.kernel', f'{rgb}.upsample.kernel']
    return nvidia, ros


def to_rosinality(state_dict: dict[str, torch.Tensor], init_kwargs: dict) -> dict:
    """``{'g_ema': ..., 'latent_avg': ...}`` for a generator with NVIDIA names.

    Raises:
        ValueError: a feature rosinality's model lacks (labels, conv_clamp, no noise inputs).
    """
    synthesis = init_kwargs.get('synthesis_kwargs') or {}
    if init_kwargs.get('c_dim', 0) or synthesis.get('conv_clamp') is not None \
            or synthesis.get('use_noise', True) is False:
        raise ValueError('rosinality\'s generator has no labels (c_dim), no conv_clamp and always '
                         'noise inputs: this generator cannot be written in its format')
    res = init_kwargs['img_resolution']
    num_layers = sum(bool(re.fullmatch(r'mapping\.fc\d+\.weight', k)) for k in state_dict)
    g_ema = {}
    for pair in rosinality_key_pairs(res, num_layers):
        t = state_dict[pair.nvidia]
        g_ema[pair.rosinality] = t.reshape(_RESHAPES[pair.kind][0](tuple(t.shape))).clone()
    for key in _filter_keys(res)[1]:
        g_ema[key] = state_dict['synthesis.b4.resample_filter'] * 4
    return {'g_ema': g_ema, 'latent_avg': state_dict['mapping.w_avg'].clone()}


def from_rosinality(ckpt: dict, path: str) -> tuple[dict, dict[str, torch.Tensor], bool]:
    """(init_kwargs, NVIDIA-named state_dict, has_w_avg) from a rosinality checkpoint dict.

    The architecture is read from the shapes (size, channels, n_mlp, style_dim). Without
    ``latent_avg`` (training checkpoints) ``mapping.w_avg`` is zero and ``has_w_avg`` False.
    """
    g_ema = ckpt['g_ema']
    if not isinstance(g_ema, dict) or 'input.input' not in g_ema or 'style.1.weight' not in g_ema:
        raise GeneratorLoadError(f'{path}: g_ema is not a rosinality stylegan2-pytorch state dict '
                                 f'(no input.input / style.1.weight)')
    num_layers = sum(bool(re.fullmatch(r'style\.\d+\.weight', k)) for k in g_ema)
    num_rgbs = sum(bool(re.fullmatch(r'to_rgbs\.\d+\.conv\.weight', k)) for k in g_ema)
    res = 4 * 2 ** num_rgbs
    pairs = rosinality_key_pairs(res, num_layers)
    missing = [p.rosinality for p in pairs if p.rosinality not in g_ema]
    nvidia_filters, ros_filters = _filter_keys(res)
    unexpected = sorted(set(g_ema) - {p.rosinality for p in pairs} - set(ros_filters))
    if missing or unexpected:
        raise GeneratorLoadError(
            f'{path}: g_ema does not match rosinality\'s {res}px generator with {num_layers} '
            f'mapping layers: missing {missing[:8]}, unexpected {unexpected[:8]}. Is it a '
            f'stylegan2-pytorch Generator state dict (not SWAGAN or a modified model)?')
    state_dict = {p.nvidia: g_ema[p.rosinality].reshape(
        _RESHAPES[p.kind][1](tuple(g_ema[p.rosinality].shape))).float() for p in pairs}
    kernel = g_ema.get(ros_filters[0]) if ros_filters else None
    f = setup_filter() if kernel is None else kernel.float() / kernel.sum()
    state_dict.update({k: f.clone() for k in nvidia_filters})
    w_dim = state_dict[f'mapping.fc{num_layers - 1}.weight'].shape[0]
    latent_avg = ckpt.get('latent_avg')
    if latent_avg is None:
        state_dict['mapping.w_avg'] = torch.zeros(w_dim)
    else:
        state_dict['mapping.w_avg'] = latent_avg.float().reshape(-1, w_dim).mean(dim=0)
    return infer_init_kwargs(state_dict), state_dict, latent_avg is not None
