"""Load a StyleGAN2 generator from any supported file, and save it in the project's format.

Formats, told apart by content (not by extension):

- ``'mmdsgan'``: ``torch.save`` of ``{'format': 'mmdsgan.stylegan2', 'version': 1, 'init_kwargs',
  'state_dict'}`` (:func:`save_generator`); read with ``weights_only=True``.
- ``'rosinality'``: ``torch.save`` of a dict with ``g_ema`` (and ``latent_avg``); read with
  ``weights_only=True``, ``argparse.Namespace`` allowed for training checkpoints' ``args``.
- ``'nvidia'``: a plain pickle (snapshot dict with ``G_ema``, or a Generator itself) read by
  :class:`~.nvidia_pickle.RestrictedUnpickler`, which never runs code from the file.
"""
from __future__ import annotations

import argparse
import copy
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Any

import torch

from mmdsgan.utils.checkpoint import load_checkpoint_safely
from mmdsgan.utils.io import atomic_write_with

from .errors import GeneratorLoadError, UnsafeCheckpointError
from .generator import Generator
from .nvidia_pickle import read_nvidia_generator, read_restricted_pickle
from .rosinality import from_rosinality

__all__ = ['FORMAT_NAME', 'FORMAT_VERSION', 'GeneratorCheckpoint', 'read_generator_checkpoint',
           'build_generator', 'load_generator', 'save_generator', 'estimate_w_avg']

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
    except RuntimeError as err:  # e.g. a zip archive that torch.save did not write
        raise GeneratorLoadError(f'{path}: not a readable torch file ({err}); expected '
                                 f'{_SUPPORTED}') from err
    except UnsafeCheckpointError as err:
        raise UnsafeCheckpointError(
            f'{err}\nFor a generator, keep only the generator: e.g. for rosinality '
            f'torch.save({{"g_ema": ckpt["g_ema"], "latent_avg": ckpt["latent_avg"]}}, '
            f'"g_ema.pt").') from err


def _read_ours(obj: dict, path: str) -> GeneratorCheckpoint:
    version = obj.get('version')
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise GeneratorLoadError(f'{path}: {FORMAT_NAME} version {version!r}, this mmdsgan reads '
                                 f'up to {FORMAT_VERSION}; update mmdsgan')
    for key in ('init_kwargs', 'state_dict'):
        if not isinstance(obj.get(key), dict):
            raise GeneratorLoadError(f'{path}: {FORMAT_NAME} file without a {key!r} dict; '
                                     f'rewrite it with save_generator')
    return GeneratorCheckpoint('mmdsgan', obj['init_kwargs'], obj['state_dict'])


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
        init_kwargs, state_dict, has_w_avg = from_rosinality(obj, path)
        notes = [] if has_w_avg else ['no latent_avg in the file: w_avg estimated from 4096 z']
        return GeneratorCheckpoint('rosinality', init_kwargs, state_dict, notes, not has_w_avg)
    if plain_pickle:
        init_kwargs, state_dict = read_nvidia_generator(obj, path)
        return GeneratorCheckpoint('nvidia', init_kwargs, state_dict)
    keys = sorted(map(str, obj))[:10] if isinstance(obj, dict) else type(obj).__name__
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

    A missing ``w_avg`` (``ckpt.estimate_w_avg``) is estimated from 4096 seeded z.
    """
    try:
        G = Generator(**copy.deepcopy(ckpt.init_kwargs))
    except (TypeError, ValueError) as err:
        raise GeneratorLoadError(f'{path} ({ckpt.format}): cannot build the generator from '
                                 f'{ckpt.init_kwargs}: {err}') from err
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
