"""Load a StyleGAN2 generator from any supported file, and save it in the project's format.

Formats, told apart by content (not by extension):

- ``'mmdsgan'``: ``torch.save`` of ``{'format': 'mmdsgan.stylegan2', 'version': 1, 'init_kwargs',
  'state_dict'}`` (:func:`save_generator`); read with ``weights_only=True``.
- ``'rosinality'``: ``torch.save`` of a dict with ``g_ema`` (and ``latent_avg``); read with
  ``weights_only=True``, ``argparse.Namespace`` allowed for training checkpoints' ``args``.
- ``'nvidia'``: a plain pickle (snapshot dict with ``G_ema``, or a Generator itself) read by
  :class:`~.nvidia_pickle.RestrictedUnpickler`, which never runs code from the file.

Whatever the format, the architecture read from the file is bounded before it is used: its
containers by :func:`~.nvidia_pickle.plain` (no cycles, at most 64 levels and 100000 elements
with shared references expanded), its values by :func:`check_init_kwargs` (ranges below, and at
most :data:`MAX_PARAMETERS` parameters and buffers), so a small crafted file cannot make the
loader loop, recurse or allocate without end.
"""
from __future__ import annotations

import argparse
import copy
import math
import os
import os.path as osp
import zipfile
from dataclasses import dataclass, field
from typing import Any

import torch

from mmdsgan.utils.checkpoint import load_checkpoint_safely
from mmdsgan.utils.pickle_scan import PickleTooLargeError
from mmdsgan.utils.io import atomic_write_with

from .errors import GeneratorLoadError, UnsafeCheckpointError, brief
from .generator import Generator
from .nvidia_pickle import MAX_ELEMENTS, plain, read_nvidia_generator, read_restricted_pickle
from .rosinality import from_rosinality

__all__ = ['FORMAT_NAME', 'FORMAT_VERSION', 'GeneratorCheckpoint', 'read_generator_checkpoint',
           'build_generator', 'load_generator', 'save_generator', 'estimate_w_avg',
           'check_init_kwargs', 'MAX_PARAMETERS']

FORMAT_NAME = 'mmdsgan.stylegan2'
FORMAT_VERSION = 1
_ZIP_MAGIC = b'PK\x03\x04'
_SUPPORTED = ('an NVIDIA StyleGAN2 .pkl (stylegan2-ada-pytorch / stylegan3 --cfg=stylegan2), a '
              'rosinality stylegan2-pytorch .pt, or a file written by save_generator / '
              'tools/convert_generator.py')


@dataclass
class GeneratorCheckpoint:
    """What a generator file holds, in our terms.

    Attributes:
        format: 'mmdsgan', 'rosinality' or 'nvidia'.
        init_kwargs: :class:`Generator` kwargs.
        state_dict: NVIDIA-named tensors.
        notes: things the reader had to assume (e.g. a missing ``latent_avg``).
        estimate_w_avg: ``w_avg`` is not in the file; :func:`build_generator` estimates it.
    """
    format: str
    init_kwargs: dict
    state_dict: dict[str, torch.Tensor]
    notes: list[str] = field(default_factory=list)
    estimate_w_avg: bool = False


def _torch_load(path: str) -> Any:
    """``torch.load(weights_only=True)``, ``argparse.Namespace`` allowed (rosinality's ``args``)."""
    try:
        with torch.serialization.safe_globals([argparse.Namespace]):
            return load_checkpoint_safely(path, map_location='cpu')
    # a zip archive that torch.save did not write, or a torch file cut short
    except (RuntimeError, EOFError, OSError, KeyError, zipfile.BadZipFile) as err:
        reason = (str(err).strip().splitlines() or [''])[0][:300]
        raise GeneratorLoadError(f'{path}: not a readable torch file ({type(err).__name__}: '
                                 f'{reason}; truncated?); expected {_SUPPORTED}') from err
    except PickleTooLargeError as err:
        raise GeneratorLoadError(str(err)) from err
    except UnsafeCheckpointError as err:
        raise UnsafeCheckpointError(
            f'{err}\nFor a generator, keep only the generator: e.g. for rosinality '
            f'torch.save({{"g_ema": ckpt["g_ema"], "latent_avg": ckpt["latent_avg"]}}, '
            f'"g_ema.pt").') from err


def _read_ours(obj: dict, path: str) -> GeneratorCheckpoint:
    version = obj.get('version')
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise GeneratorLoadError(f'{path}: {FORMAT_NAME} version {brief(version)}, this mmdsgan '
                                 f'reads up to {FORMAT_VERSION}; update mmdsgan')
    for key in ('init_kwargs', 'state_dict'):
        if not isinstance(obj.get(key), dict):
            raise GeneratorLoadError(f'{path}: {FORMAT_NAME} file without a {key!r} dict; '
                                     f'rewrite it with save_generator')
    init_kwargs = plain(obj['init_kwargs'], path, 'init_kwargs')
    return GeneratorCheckpoint('mmdsgan', init_kwargs,
                               _checked_tensors(obj['state_dict'], path, 'state_dict'))


def _checked_tensors(table: Any, path: str, what: str) -> dict[str, torch.Tensor]:
    """``table`` if it is a dict of at most MAX_ELEMENTS names to tensors."""
    if not isinstance(table, dict) or len(table) > MAX_ELEMENTS:
        raise GeneratorLoadError(f'{path}: {what} is a {type(table).__name__} of '
                                 f'{len(table) if isinstance(table, dict) else "?"} entries, not '
                                 f'a dict of at most {MAX_ELEMENTS} names to tensors')
    for key, value in table.items():
        if not isinstance(key, str) or not isinstance(value, torch.Tensor):
            raise GeneratorLoadError(f'{path}: {what} maps {brief(key)} to a '
                                     f'{type(value).__name__}, not a name to a tensor')
    return table


def read_generator_checkpoint(path: str | os.PathLike) -> GeneratorCheckpoint:
    """Read a generator file of any supported format, detected from its content.

    Raises:
        FileNotFoundError: no such file.
        UnsafeCheckpointError: the file needs a global outside the allowlist (not loaded).
        GeneratorLoadError: unknown or unsupported content.
    """
    path = osp.expanduser(os.fspath(path))
    if not osp.isfile(path):
        raise FileNotFoundError(f'generator checkpoint not found: {path}; give the path of '
                                f'{_SUPPORTED}')
    with open(path, 'rb') as f:
        plain_pickle = not f.read(4).startswith(_ZIP_MAGIC)
    if plain_pickle:
        obj = read_restricted_pickle(path)
        if isinstance(obj, int) and obj == torch.serialization.MAGIC_NUMBER:
            obj, plain_pickle = _torch_load(path), False  # torch.save's legacy (non-zip) format
    else:
        obj = _torch_load(path)
    if isinstance(obj, dict) and obj.get('format') == FORMAT_NAME:
        return _read_ours(obj, path)
    if isinstance(obj, dict) and 'g_ema' in obj:
        _checked_tensors(obj['g_ema'], path, 'g_ema')
        if obj.get('latent_avg') is not None and not isinstance(obj['latent_avg'], torch.Tensor):
            raise GeneratorLoadError(f'{path}: latent_avg is a {type(obj["latent_avg"]).__name__}, '
                                     f'not a tensor')
        init_kwargs, state_dict, has_w_avg = from_rosinality(obj, path)
        init_kwargs = plain(init_kwargs, path, 'the architecture read from g_ema')
        notes = [] if has_w_avg else ['no latent_avg in the file: w_avg estimated from 4096 z']
        return GeneratorCheckpoint('rosinality', init_kwargs, state_dict, notes, not has_w_avg)
    if plain_pickle:
        init_kwargs, state_dict = read_nvidia_generator(obj, path)
        return GeneratorCheckpoint('nvidia', init_kwargs, state_dict)
    keys = brief(list(obj)[:10], max_items=10) if isinstance(obj, dict) else type(obj).__name__
    raise GeneratorLoadError(f'{path}: unknown generator checkpoint (top level: {keys}); '
                             f'expected {_SUPPORTED}')


def _check_weights(G: Generator, state_dict: dict[str, torch.Tensor], path: str, fmt: str) -> None:
    expected = G.state_dict()
    missing = [k for k in expected if k not in state_dict]
    unexpected = [k for k in state_dict if k not in expected]
    mismatched = [f'{k}: file {tuple(state_dict[k].shape)} vs model {tuple(v.shape)}'
                  for k, v in expected.items()
                  if k in state_dict and tuple(state_dict[k].shape) != tuple(v.shape)]
    if missing or unexpected or mismatched:
        raise GeneratorLoadError(
            f'{path} ({fmt}): the weights do not fit the architecture read from the file '
            f'({G.init_kwargs}): missing {len(missing)} {missing[:6]}, unexpected '
            f'{len(unexpected)} {unexpected[:6]}, shape mismatches {len(mismatched)} '
            f'{mismatched[:6]}. The file is damaged or comes from a different generator '
            f'variant; re-export the generator from the code that trained it.')


# Architecture values a StyleGAN2 generator file may hold (checked before anything is allocated).
# The public models: z = w = 512, 8 mapping layers (2 in stylegan2-ada's cifar/paper256 configs),
# channel_base 32768 (16384 at 256 px), channel_max 512, 1 or 3 channels, c_dim up to ~1000.
MAX_PARAMETERS = 2 ** 28  # parameters + buffers: 1 GiB of float32; config-f at 1024 px has 33M
_DIM_LIMITS = dict(z_dim=(0, 4096), c_dim=(0, 10000), w_dim=(1, 4096))
_IMG_CHANNELS = (1, 3, 4)
_RESOLUTIONS = (4, 4096)
_MAPPING_LIMITS = dict(num_layers=(1, 32), embed_features=(1, 4096), layer_features=(1, 4096))
_SYNTHESIS_LIMITS = dict(channel_base=(1, 2 ** 20), channel_max=(1, 4096))
_MAX_FILTER_TAPS = 16


def _refuse(path: str, key: str, value: Any, allowed: str) -> GeneratorLoadError:
    return GeneratorLoadError(f'{path}: generator architecture value {key}={brief(value)} is out '
                              f'of range (allowed: {allowed}); the file is damaged or not a '
                              f'StyleGAN2 generator')


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def _check_int(path: str, key: str, value: Any, low: int, high: int,
               optional: bool = False) -> None:
    if optional and value is None:
        return
    if not _is_int(value) or not low <= value <= high:
        raise _refuse(path, key, value, f'an integer from {low} to {high}'
                      + (', or None' if optional else ''))


def _num_parameters(kw: dict, mapping: dict, synthesis: dict) -> int:
    """Parameters and buffers of ``Generator(**kw)``, computed from the numbers alone."""
    z_dim, c_dim, w_dim = kw['z_dim'], kw['c_dim'], kw['w_dim']
    res_max, img_channels = kw['img_resolution'], kw.get('img_channels', 3)
    num_layers = mapping.get('num_layers', 8)
    embed = 0 if c_dim == 0 else (mapping.get('embed_features') or w_dim)
    hidden = mapping.get('layer_features') or w_dim
    widths = [z_dim + embed] + [hidden] * (num_layers - 1) + [w_dim]
    total = sum(a * b + b for a, b in zip(widths, widths[1:])) + w_dim + c_dim * embed + embed
    base, cmax = synthesis.get('channel_base', 32768), synthesis.get('channel_max', 512)
    taps = len(synthesis.get('resample_filter') or (1, 3, 3, 1))
    noise = synthesis.get('use_noise', True) is not False

    def conv(cin: int, cout: int, res: int) -> int:
        return w_dim * cin + cin + cout * cin * 9 + cout + (1 + res * res if noise else 0)

    res, prev = 4, 0
    while res <= res_max:
        out = min(base // res, cmax)
        total += out * res * res if res == 4 else conv(prev, out, res)
        total += conv(out, out, res) + w_dim * out + out + img_channels * out + img_channels
        total += taps * taps * (2 if res == 4 else 3)
        res, prev = res * 2, out
    return total


def check_init_kwargs(init_kwargs: Any, path: str = '<memory>') -> None:
    """Refuse generator architecture values no StyleGAN2 checkpoint has, before allocating.

    ``z_dim`` 0..4096, ``c_dim`` 0..10000, ``w_dim`` 1..4096, ``img_resolution`` a power of two
    from 4 to 4096, ``img_channels`` 1, 3 or 4; ``mapping_kwargs``: ``num_layers`` 1..32,
    ``embed_features`` / ``layer_features`` 1..4096 or None, ``lr_multiplier`` > 0,
    ``w_avg_beta`` in [0, 1] or None; ``synthesis_kwargs``: ``channel_base`` 1..2**20 and at
    least ``img_resolution`` (every block has a channel), ``channel_max`` 1..4096,
    ``conv_clamp`` > 0 or None, ``resample_filter`` 1..16 finite taps with a nonzero sum,
    ``use_noise`` a bool; and at most :data:`MAX_PARAMETERS` parameters and buffers in all.
    Unknown keys are left to :class:`Generator`, which names them.

    Raises:
        GeneratorLoadError: naming ``path``, the key, the value and the allowed range.
    """
    if not isinstance(init_kwargs, dict):
        raise GeneratorLoadError(f'{path}: the generator architecture is a '
                                 f'{type(init_kwargs).__name__}, not a dict of Generator kwargs')
    missing = [k for k in ('z_dim', 'c_dim', 'w_dim', 'img_resolution') if k not in init_kwargs]
    if missing:
        raise GeneratorLoadError(f'{path}: the generator architecture lacks {missing}')
    for key, (low, high) in _DIM_LIMITS.items():
        _check_int(path, key, init_kwargs[key], low, high)
    res = init_kwargs['img_resolution']
    if not _is_int(res) or not _RESOLUTIONS[0] <= res <= _RESOLUTIONS[1] or res & (res - 1):
        raise _refuse(path, 'img_resolution', res,
                      f'a power of two from {_RESOLUTIONS[0]} to {_RESOLUTIONS[1]}')
    channels = init_kwargs.get('img_channels', 3)
    if not _is_int(channels) or channels not in _IMG_CHANNELS:
        raise _refuse(path, 'img_channels', channels,
                      'one of ' + ', '.join(map(str, _IMG_CHANNELS)))
    nested = {}
    for field in ('mapping_kwargs', 'synthesis_kwargs'):
        value = init_kwargs.get(field)
        if value is not None and not isinstance(value, dict):
            raise _refuse(path, field, value, 'a dict or None')
        nested[field] = value
    # Generator's defaults when a section is None
    mapping = nested['mapping_kwargs'] if nested['mapping_kwargs'] is not None else \
        dict(num_layers=8)
    synthesis = nested['synthesis_kwargs'] if nested['synthesis_kwargs'] is not None else \
        dict(channel_base=32768, channel_max=512)
    for key, (low, high) in _MAPPING_LIMITS.items():
        if key in mapping:
            _check_int(path, f'mapping_kwargs.{key}', mapping[key], low, high,
                       optional=key != 'num_layers')
    value = mapping.get('lr_multiplier', 0.01)
    if not _is_number(value) or value <= 0:
        raise _refuse(path, 'mapping_kwargs.lr_multiplier', value, 'a finite number > 0')
    value = mapping.get('w_avg_beta')
    if value is not None and (not _is_number(value) or not 0 <= value <= 1):
        raise _refuse(path, 'mapping_kwargs.w_avg_beta', value, 'a number from 0 to 1, or None')
    for key, (low, high) in _SYNTHESIS_LIMITS.items():
        if key in synthesis:
            _check_int(path, f'synthesis_kwargs.{key}', synthesis[key], low, high)
    base = synthesis.get('channel_base', 32768)
    if base < res:
        raise _refuse(path, 'synthesis_kwargs.channel_base', base,
                      f'at least img_resolution={res}: block R has min(channel_base // R, '
                      f'channel_max) channels, 0 here')
    value = synthesis.get('conv_clamp')
    if value is not None and (not _is_number(value) or value <= 0):
        raise _refuse(path, 'synthesis_kwargs.conv_clamp', value, 'a finite number > 0, or None')
    taps = synthesis.get('resample_filter', (1, 3, 3, 1))
    if (not isinstance(taps, (list, tuple)) or not 1 <= len(taps) <= _MAX_FILTER_TAPS
            or not all(_is_number(t) for t in taps) or not math.isfinite(sum(taps))
            or sum(taps) == 0):
        raise _refuse(path, 'synthesis_kwargs.resample_filter', taps,
                      f'a list of 1 to {_MAX_FILTER_TAPS} finite numbers with a nonzero sum')
    value = synthesis.get('use_noise', True)
    if not isinstance(value, bool):
        raise _refuse(path, 'synthesis_kwargs.use_noise', value, 'True or False')
    total = _num_parameters(init_kwargs, mapping, synthesis)
    if total > MAX_PARAMETERS:
        shown = {k: init_kwargs[k] for k in ('z_dim', 'c_dim', 'w_dim', 'img_resolution')}
        shown.update({f'mapping_kwargs.{k}': mapping[k] for k in _MAPPING_LIMITS if k in mapping})
        shown.update({f'synthesis_kwargs.{k}': synthesis[k] for k in _SYNTHESIS_LIMITS
                      if k in synthesis})
        values = ', '.join(f'{k}={v}' for k, v in shown.items())
        raise GeneratorLoadError(
            f'{path}: the generator architecture ({values}) would have {total / 1e6:.0f}M '
            f'parameters and buffers, more than the {MAX_PARAMETERS / 1e6:.0f}M this loader '
            f'accepts (config-f at 1024 px has 33M); the file is damaged or not a StyleGAN2 '
            f'generator')


@torch.no_grad()
def estimate_w_avg(G: Generator, num: int = 4096, seed: int = 0,
                   batch_size: int = 512) -> torch.Tensor:
    """Mean of ``num`` mapped z (seeded; unconditional generators): (w_dim,)."""
    if G.c_dim:
        raise ValueError('estimate_w_avg needs an unconditional generator (c_dim == 0)')
    rng = torch.Generator().manual_seed(seed)
    device = G.w_avg.device
    total = torch.zeros(G.w_dim, dtype=torch.float64, device=device)
    for start in range(0, num, batch_size):
        z = torch.randn(min(batch_size, num - start), G.z_dim, generator=rng).to(device)
        total += G.mapping(z, skip_w_avg_update=True)[:, 0].double().sum(dim=0)
    return (total / num).float()


def build_generator(ckpt: GeneratorCheckpoint, path: str = '<memory>',
                    device: str | torch.device = 'cpu') -> Generator:
    """Frozen :class:`Generator` (eval mode, ``requires_grad=False``) from a read checkpoint.

    A missing ``w_avg`` (``ckpt.estimate_w_avg``) is estimated from 4096 seeded z. The
    architecture is checked first (:func:`~.nvidia_pickle.plain`, :func:`check_init_kwargs`):
    nothing is allocated for a generator no StyleGAN2 checkpoint describes.
    """
    init_kwargs = plain(ckpt.init_kwargs, path, 'init_kwargs')
    check_init_kwargs(init_kwargs, path)
    try:
        G = Generator(**copy.deepcopy(init_kwargs))
    except (TypeError, ValueError) as err:
        shown = brief(init_kwargs, max_chars=800, max_items=12, max_nodes=80)
        raise GeneratorLoadError(f'{path} ({ckpt.format}): cannot build the generator from '
                                 f'{shown}: {err}') from err
    _check_weights(G, ckpt.state_dict, path, ckpt.format)
    G.load_state_dict(ckpt.state_dict)
    G.eval().requires_grad_(False)
    G.to(device)
    if ckpt.estimate_w_avg:
        G.mapping.w_avg.copy_(estimate_w_avg(G))
    return G


def load_generator(path: str | os.PathLike, device: str | torch.device = 'cpu') -> Generator:
    """Load a StyleGAN2 generator from an NVIDIA ``.pkl``, a rosinality ``.pt`` or our format.

    Nothing in the file is executed. Returns the generator in eval mode with
    ``requires_grad=False`` on ``device``.

    Raises:
        FileNotFoundError, UnsafeCheckpointError, GeneratorLoadError: each naming the file and
            what to do.
    """
    path = osp.expanduser(os.fspath(path))
    return build_generator(read_generator_checkpoint(path), path, device)


def save_generator(G: Generator, path: str | os.PathLike) -> None:
    """Write ``G`` in the project's format (atomically: temporary file + ``os.replace``).

    The file holds ``{'format': 'mmdsgan.stylegan2', 'version': 1, 'init_kwargs':
    G.init_kwargs, 'state_dict': G.state_dict()}`` (CPU tensors) and loads with
    ``weights_only=True``.
    """
    path = osp.expanduser(os.fspath(path))
    payload = dict(format=FORMAT_NAME, version=FORMAT_VERSION,
                   init_kwargs=copy.deepcopy(G.init_kwargs),
                   state_dict={k: v.detach().cpu().clone() for k, v in G.state_dict().items()})
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    atomic_write_with(path, lambda f: torch.save(payload, f))
