"""Read NVIDIA StyleGAN2 pickles (stylegan2-ada-pytorch, stylegan3's StyleGAN2) without running
anything from them.

NVIDIA pickles every network as ``torch_utils.persistence._reconstruct_persistent_obj(meta)``,
where ``meta`` holds the module's ``__dict__`` *and the source code of its module*, which NVIDIA's
loader ``exec``s. :class:`RestrictedUnpickler` resolves only an allowlist of globals: the
persistence call becomes a :class:`PersistentRecord` that keeps ``meta`` (the source is never
run), ``dnnlib.util.EasyDict`` a dict, storages are read with ``torch.load(weights_only=True)``;
any other global raises :class:`UnsafeCheckpointError`.
"""
from __future__ import annotations

import collections
import functools
import io
import os
import pickle
from typing import Any, BinaryIO

import numpy as np
import torch
import torch._utils

from .errors import GeneratorLoadError, UnsafeCheckpointError

__all__ = ['PersistentRecord', 'TFNetworkRecord', 'RestrictedUnpickler', 'read_restricted_pickle',
           'flatten_record', 'plain', 'nvidia_init_kwargs', 'read_nvidia_generator']

# Positional order of NVIDIA's Generator.__init__ arguments.
_GENERATOR_ARGS = ('z_dim', 'c_dim', 'w_dim', 'img_resolution', 'img_channels')


class PersistentRecord:
    """What ``_reconstruct_persistent_obj(meta)`` becomes: the pickled module's class name and
    ``__dict__`` (``state``), nothing executed."""

    def __init__(self, meta: dict) -> None:
        if not isinstance(meta, dict) or meta.get('type') != 'class':
            raise GeneratorLoadError(f'unexpected persistent object meta: {type(meta).__name__} '
                                     f'with type={getattr(meta, "get", lambda k: None)("type")!r}')
        self.class_name: str = meta.get('class_name', '?')
        self.version = meta.get('version')
        self.state: dict = meta.get('state') or {}

    def __repr__(self) -> str:
        return f'PersistentRecord({self.class_name})'


class TFNetworkRecord:
    """Stand-in for ``dnnlib.tflib.network.Network`` (TF-era pickles): keeps the pickled state."""

    state: dict = {}

    def __setstate__(self, state: dict) -> None:
        self.state = state


class _AttrDict(dict):
    """Stand-in for ``dnnlib.util.EasyDict`` (a dict); :func:`plain` turns it into a dict."""


def _rebuild_parameter(data: torch.Tensor, requires_grad: bool,
                       backward_hooks: Any) -> torch.Tensor:
    return data


def _load_storage_from_bytes(data: bytes, filename: str = '<pickle>') -> Any:
    """``torch.storage._load_from_bytes`` with ``weights_only=True`` (torch's own is unsafe)."""
    try:
        return torch.load(io.BytesIO(data), map_location='cpu', weights_only=True)
    except pickle.UnpicklingError as err:
        raise UnsafeCheckpointError(f'refused to load {filename}: an embedded tensor storage '
                                    f'needs more than weights ({err})') from err


def _numpy_globals() -> dict[tuple[str, str], Any]:
    multiarray = np._core.multiarray if hasattr(np, '_core') else np.core.multiarray
    allowed = {('numpy', 'dtype'): np.dtype, ('numpy', 'ndarray'): np.ndarray}
    for package in ('numpy._core', 'numpy.core'):
        allowed[(f'{package}.multiarray', 'scalar')] = multiarray.scalar
        allowed[(f'{package}.multiarray', '_reconstruct')] = multiarray._reconstruct
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:  # numpy >= 1.25 may pickle dtypes through their classes
        for name in dir(dtypes):
            if name.endswith('DType') and isinstance(getattr(dtypes, name), type):
                allowed[('numpy.dtypes', name)] = getattr(dtypes, name)
    return allowed


ALLOWED_GLOBALS: dict[tuple[str, str], Any] = {
    ('collections', 'OrderedDict'): collections.OrderedDict,
    ('dnnlib.util', 'EasyDict'): _AttrDict,
    ('torch._utils', '_rebuild_tensor_v2'): torch._utils._rebuild_tensor_v2,
    ('torch._utils', '_rebuild_parameter'): _rebuild_parameter,
    ('torch.storage', '_load_from_bytes'): _load_storage_from_bytes,
    ('torch_utils.persistence', '_reconstruct_persistent_obj'): PersistentRecord,
    ('dnnlib.tflib.network', 'Network'): TFNetworkRecord,
    **_numpy_globals(),
}


class RestrictedUnpickler(pickle.Unpickler):
    """``pickle.Unpickler`` that resolves only :data:`ALLOWED_GLOBALS`.

    Args:
        file: binary file object.
        filename: shown in error messages.
    """

    def __init__(self, file: BinaryIO, filename: str) -> None:
        super().__init__(file)
        self.filename = filename

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ('torch.storage', '_load_from_bytes'):
            return functools.partial(_load_storage_from_bytes, filename=self.filename)
        try:
            return ALLOWED_GLOBALS[(module, name)]
        except KeyError:
            raise UnsafeCheckpointError(
                f'refused to load {self.filename}: the pickle asks for the global '
                f'{module}.{name}, which is not on the allowlist of StyleGAN2 generator pickles. '
                f'mmdsgan never runs code from a pickle. If the file is a trusted checkpoint of '
                f'another kind, export the generator where it was made (G.state_dict() and its '
                f'init kwargs, or rosinality\'s {{"g_ema": ..., "latent_avg": ...}}) with '
                f'torch.save and load that.') from None

    def persistent_load(self, pid: Any) -> Any:
        raise pickle.UnpicklingError('persistent id in a plain pickle (a torch.save file?)')


def read_restricted_pickle(path: str) -> Any:
    """Unpickle the first object of ``path`` with :class:`RestrictedUnpickler`.

    Raises:
        UnsafeCheckpointError: a global outside the allowlist.
        GeneratorLoadError: not a pickle, or a truncated one.
    """
    with open(path, 'rb') as f:
        try:
            return RestrictedUnpickler(f, path).load()
        except (UnsafeCheckpointError, GeneratorLoadError):
            raise
        except Exception as err:  # any other failure: bytes that are not such a pickle
            raise GeneratorLoadError(
                f'{path}: not a readable generator checkpoint (the pickle reader stopped with '
                f'{type(err).__name__}: {err}). Expected an NVIDIA StyleGAN2 .pkl, a rosinality '
                f'.pt or a file written by save_generator / tools/convert_generator.py.') from err


def plain(obj: Any) -> Any:
    """Recursively turn EasyDicts/OrderedDicts into dicts and numpy scalars into Python numbers."""
    if isinstance(obj, dict):
        return {k: plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(plain(v) for v in obj)
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def flatten_record(record: PersistentRecord, prefix: str = '') -> dict[str, torch.Tensor]:
    """The ``state_dict()`` of a pickled module: ``_parameters``, persistent ``_buffers``, then
    ``_modules`` recursively, in that order (as ``nn.Module.state_dict`` does)."""
    state = record.state
    out: dict[str, torch.Tensor] = {}
    for name, param in (state.get('_parameters') or {}).items():
        if param is not None:
            out[prefix + name] = param.detach()
    skipped = state.get('_non_persistent_buffers_set') or set()
    for name, buf in (state.get('_buffers') or {}).items():
        if buf is not None and name not in skipped:
            out[prefix + name] = buf.detach()
    for name, child in (state.get('_modules') or {}).items():
        if child is None:
            continue
        if not isinstance(child, PersistentRecord):
            raise GeneratorLoadError(f'submodule {prefix + name} is a {type(child).__name__}, '
                                     f'not an NVIDIA persistent module')
        out.update(flatten_record(child, f'{prefix}{name}.'))
    return out


def nvidia_init_kwargs(state: dict, path: str) -> dict:
    """Our ``Generator`` kwargs from a pickled Generator's ``_init_args`` / ``_init_kwargs``.

    Accepts stylegan2-ada's layout (``synthesis_kwargs``) and stylegan3's, where the synthesis
    options sit at the top level.
    """
    kwargs = plain(state.get('_init_kwargs'))
    args = plain(state.get('_init_args')) or ()
    if not isinstance(kwargs, dict) or (not kwargs and not args):
        raise GeneratorLoadError(f'{path}: the pickled Generator has no _init_kwargs, so its '
                                 f'architecture is unknown; is this an NVIDIA '
                                 f'stylegan2-ada-pytorch or stylegan3 snapshot?')
    kwargs = dict(kwargs)
    kwargs.update(zip(_GENERATOR_ARGS, args))
    missing = [k for k in ('z_dim', 'c_dim', 'w_dim', 'img_resolution') if k not in kwargs]
    if missing:
        raise GeneratorLoadError(f'{path}: Generator _init_kwargs lack {missing}')
    out = {k: kwargs.pop(k) for k in _GENERATOR_ARGS if k in kwargs}
    out['mapping_kwargs'] = dict(kwargs.pop('mapping_kwargs', None) or {})
    synthesis = dict(kwargs.pop('synthesis_kwargs', None) or {})
    synthesis.update(kwargs)  # stylegan3 flattens the synthesis kwargs into the top level
    out['synthesis_kwargs'] = synthesis
    return out


def read_nvidia_generator(obj: Any, path: str) -> tuple[dict, dict[str, torch.Tensor]]:
    """(init_kwargs, state_dict) of ``G_ema`` from an unpickled NVIDIA snapshot or bare Generator.

    Raises:
        GeneratorLoadError: no ``G_ema``, not a Generator, a StyleGAN3 (alias-free) generator,
            or a TF-era pickle.
    """
    if isinstance(obj, tuple) and any(isinstance(o, TFNetworkRecord) for o in obj):
        raise GeneratorLoadError(
            f'{path}: a TensorFlow-era NVIDIA pickle (NVlabs/stylegan2, tuple (G, D, Gs)); it is '
            f'not supported. Convert it with stylegan2-ada-pytorch\'s legacy.py '
            f'(python legacy.py --source={os.path.basename(path)} --dest=converted.pkl) or '
            f'rosinality\'s convert_weight.py, then load the result.')
    record = obj
    if isinstance(obj, dict):
        if 'G_ema' not in obj:
            raise GeneratorLoadError(f'{path}: a pickle of a dict without G_ema (keys: '
                                     f'{sorted(map(str, obj))[:10]}); an NVIDIA snapshot has '
                                     f'G, D, G_ema, augment_pipe, training_set_kwargs')
        record = obj['G_ema']
    if not isinstance(record, PersistentRecord) or record.class_name != 'Generator':
        raise GeneratorLoadError(f'{path}: expected an NVIDIA Generator, found '
                                 f'{getattr(record, "class_name", type(record).__name__)}')
    state_dict = flatten_record(record)
    if any(k.startswith('synthesis.input.') for k in state_dict):
        raise GeneratorLoadError(
            f'{path}: a StyleGAN3 (alias-free, config t/r) generator (keys synthesis.input.*, '
            f'synthesis.L0_*); only StyleGAN2 generators are supported, including stylegan3\'s '
            f'--cfg=stylegan2 snapshots.')
    return nvidia_init_kwargs(record.state, path), state_dict
