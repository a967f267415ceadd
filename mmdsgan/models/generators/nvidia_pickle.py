"""Read NVIDIA StyleGAN2 pickles (stylegan2-ada-pytorch, stylegan3's StyleGAN2) without running
anything from them.

NVIDIA pickles every network as ``torch_utils.persistence._reconstruct_persistent_obj(meta)``,
where ``meta`` holds the module's ``__dict__`` *and the source code of its module*, which NVIDIA's
loader ``exec``s. :class:`RestrictedUnpickler` resolves only an allowlist of globals: the
persistence call becomes a :class:`PersistentRecord` that keeps ``meta`` (the source is never
run), ``dnnlib.util.EasyDict`` a dict, storages are read with ``torch.load(weights_only=True)``;
any other global raises :class:`UnsafeCheckpointError`.

What comes out is bounded before anything walks it: :func:`plain` rebuilds ``_init_kwargs``
converting each object once (a shared list stays shared, a container inside itself is refused)
within a nesting depth of :data:`MAX_DEPTH` and :data:`MAX_ELEMENTS` elements counted with every
shared reference expanded, and :func:`flatten_record` walks at most as many modules and tensors.
A pickle is a program of memo references: a few hundred bytes can describe 2**60 leaves.
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

from mmdsgan.utils.pickle_scan import PickleTooLargeError, check_pickle_size

from .errors import GeneratorLoadError, UnsafeCheckpointError, brief

__all__ = ['PersistentRecord', 'TFNetworkRecord', 'RestrictedUnpickler', 'read_restricted_pickle',
           'flatten_record', 'plain', 'nvidia_init_kwargs', 'read_nvidia_generator',
           'MAX_DEPTH', 'MAX_ELEMENTS']

# Bounds on what is read from a checkpoint's containers (kwargs, module trees). A real
# Generator's _init_kwargs hold ~30 values 3 levels deep, its module tree ~400 modules and
# tensors 5 levels deep: both limits leave a factor of 10 and more.
MAX_DEPTH = 64
MAX_ELEMENTS = 100_000

# Positional order of NVIDIA's Generator.__init__ arguments.
_GENERATOR_ARGS = ('z_dim', 'c_dim', 'w_dim', 'img_resolution', 'img_channels')


class PersistentRecord:
    """What ``_reconstruct_persistent_obj(meta)`` becomes: the pickled module's class name and
    ``__dict__`` (``state``), nothing executed."""

    def __init__(self, meta: dict) -> None:
        if not isinstance(meta, dict) or meta.get('type') != 'class':
            kind = brief(meta.get('type')) if isinstance(meta, dict) else None
            raise GeneratorLoadError(f'unexpected persistent object meta: {type(meta).__name__} '
                                     f'with type={kind}')
        class_name = meta.get('class_name', '?')
        state = meta.get('state')
        state = {} if state is None else state
        if not isinstance(class_name, str) or not isinstance(state, dict):
            raise GeneratorLoadError(f'a persistent object with class_name={brief(class_name)} and '
                                     f'a {type(state).__name__} state; expected a str and a dict')
        self.class_name: str = class_name
        self.version = meta.get('version')
        self.state: dict = state

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
            check_pickle_size(f, path)  # bounded: a DAG of shared references is refused
        except PickleTooLargeError as err:
            raise GeneratorLoadError(str(err)) from err
        f.seek(0)
        try:
            return RestrictedUnpickler(f, path).load()
        except UnsafeCheckpointError:
            raise
        except GeneratorLoadError as err:  # from a PersistentRecord: name the file
            raise GeneratorLoadError(f'{path}: {err}') from err
        except Exception as err:  # any other failure: bytes that are not such a pickle
            raise GeneratorLoadError(
                f'{path}: not a readable generator checkpoint (the pickle reader stopped with '
                f'{type(err).__name__}: {err}). Expected an NVIDIA StyleGAN2 .pkl, a rosinality '
                f'.pt or a file written by save_generator / tools/convert_generator.py.') from err


def plain(obj: Any, path: str = '<checkpoint>', what: str = 'the value', *,
          max_depth: int = MAX_DEPTH, max_elements: int = MAX_ELEMENTS) -> Any:
    """``obj`` with EasyDicts/OrderedDicts turned into dicts and numpy scalars into Python
    numbers, checked to be a bounded tree of plain values.

    Each container is converted once (memoised by identity): a list referenced twice stays one
    list referenced twice, so the work is linear in the pickle, not in the expanded tree.
    Refused, each with a :class:`GeneratorLoadError` naming ``path`` and ``what``: a container
    inside itself, nesting deeper than ``max_depth`` levels, more than ``max_elements``
    elements (containers, keys and values) counted with every shared reference expanded (what
    ``repr``, ``==`` or a tensor built from the value would visit), and numpy object arrays.
    Tensors, records and other objects are leaves, kept as they are.
    """
    memo: dict[int, tuple[Any, int]] = {}  # id -> (converted, expanded size)
    active: set[int] = set()  # ids of the containers on the current path
    trail: list[Any] = []  # keys / indices of the current path, for messages

    def fail(problem: str) -> GeneratorLoadError:
        at = ''.join(f'[{brief(k, max_chars=40)}]' for k in trail[:12])
        at = f' (at {at}{"..." if len(trail) > 12 else ""})' if trail else ''
        return GeneratorLoadError(
            f'{path}: {what} {problem}{at}; a StyleGAN2 checkpoint holds a few plain numbers, '
            f'strings and short lists there: the file is damaged or crafted')

    def convert(value: Any, depth: int) -> tuple[Any, int]:
        if isinstance(value, np.generic):
            return value.item(), 1
        if isinstance(value, np.ndarray) and value.dtype.hasobject:
            raise fail('holds a numpy array of Python objects')
        if not isinstance(value, (dict, list, tuple, set, frozenset)):
            return value, 1
        key = id(value)
        if key in active:
            raise fail('refers to itself: a container inside itself')
        if key in memo:
            return memo[key]
        if depth >= max_depth:
            raise fail(f'is nested deeper than {max_depth} levels')
        active.add(key)
        size = 1
        items: list = []
        entries = value.items() if isinstance(value, dict) else enumerate(value)
        for index, item in entries:
            trail.append(index)
            if isinstance(value, dict):
                index, key_size = convert(index, depth + 1)
                size += key_size
            item, item_size = convert(item, depth + 1)
            size += item_size
            trail.pop()
            if size > max_elements:
                trail.append(index)
                raise fail(f'has more than {max_elements} elements once its shared references '
                           f'are expanded')
            items.append((index, item))
        if isinstance(value, dict):
            out: Any = dict(items)
        elif isinstance(value, (set, frozenset)):
            out = (set if isinstance(value, set) else frozenset)(v for _, v in items)
        else:
            out = (list if isinstance(value, list) else tuple)(v for _, v in items)
        active.discard(key)
        memo[key] = (out, size)
        return out, size

    return convert(obj, 0)[0]


def flatten_record(record: PersistentRecord, prefix: str = '', path: str = '<pickle>',
                   max_depth: int = MAX_DEPTH, max_elements: int = MAX_ELEMENTS
                   ) -> dict[str, torch.Tensor]:
    """The ``state_dict()`` of a pickled module: ``_parameters``, persistent ``_buffers``, then
    ``_modules`` recursively, in that order (as ``nn.Module.state_dict`` does).

    A module shared by two parents is listed under both names (as ``state_dict`` does), so the
    walk is bounded: at most ``max_elements`` modules and tensors visited, ``max_depth`` levels,
    and no module inside itself; each a :class:`GeneratorLoadError` naming ``path``.
    """
    out: dict[str, torch.Tensor] = {}
    active: set[int] = set()
    visited = [0]

    def table(state: dict, field: str, name: str) -> dict:
        entries = state.get(field)
        entries = {} if entries is None else entries
        if not isinstance(entries, dict):
            raise GeneratorLoadError(f'{path}: module {name or "<top>"} has a '
                                     f'{type(entries).__name__} as {field}, not a dict')
        return entries

    def walk(node: PersistentRecord, name: str, depth: int) -> None:
        if id(node) in active:
            raise GeneratorLoadError(f'{path}: module {name} refers to itself (a module inside '
                                     f'itself): the file is damaged or crafted')
        if depth > max_depth:
            raise GeneratorLoadError(f'{path}: modules nested deeper than {max_depth} levels '
                                     f'(at {name[:200]}): the file is damaged or crafted')
        active.add(id(node))
        state = node.state
        skipped = state.get('_non_persistent_buffers_set')
        skipped = () if skipped is None else skipped
        if not isinstance(skipped, (set, frozenset, list, tuple)):
            raise GeneratorLoadError(f'{path}: module {name or "<top>"} has a '
                                     f'{type(skipped).__name__} as _non_persistent_buffers_set')
        params, buffers = table(state, '_parameters', name), table(state, '_buffers', name)
        children = table(state, '_modules', name)
        visited[0] += 1 + len(params) + len(buffers) + len(children)
        if visited[0] > max_elements:
            raise GeneratorLoadError(f'{path}: the module tree has more than {max_elements} '
                                     f'modules and tensors once shared modules are expanded: '
                                     f'the file is damaged or crafted')
        for field, entries in (('_parameters', params), ('_buffers', buffers)):
            for key, tensor in entries.items():
                if tensor is None or (field == '_buffers' and key in skipped):
                    continue
                if not isinstance(key, str) or not isinstance(tensor, torch.Tensor):
                    raise GeneratorLoadError(f'{path}: {field} of module {name or "<top>"} '
                                             f'maps {brief(key)} to a {type(tensor).__name__}, '
                                             f'not a name to a tensor')
                out[prefix + name + key] = tensor.detach()
        for key, child in children.items():
            if child is None:
                continue
            if not isinstance(key, str) or not isinstance(child, PersistentRecord):
                shown = key if isinstance(key, str) else brief(key)
                raise GeneratorLoadError(f'{path}: submodule {prefix + name}{shown} is a '
                                         f'{type(child).__name__}, not an NVIDIA persistent '
                                         f'module')
            walk(child, f'{name}{key}.', depth + 1)
        active.discard(id(node))

    walk(record, '', 0)
    return out


def nvidia_init_kwargs(state: dict, path: str) -> dict:
    """Our ``Generator`` kwargs from a pickled Generator's ``_init_args`` / ``_init_kwargs``.

    Accepts stylegan2-ada's layout (``synthesis_kwargs``) and stylegan3's, where the synthesis
    options sit at the top level.
    """
    kwargs = plain(state.get('_init_kwargs'), path, "the pickled Generator's _init_kwargs")
    args = plain(state.get('_init_args'), path, "the pickled Generator's _init_args")
    args = () if args is None else args
    if not isinstance(args, (list, tuple)):
        raise GeneratorLoadError(f'{path}: the pickled Generator\'s _init_args is a '
                                 f'{type(args).__name__}, not a tuple')
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
    for key in ('mapping_kwargs', 'synthesis_kwargs'):
        if kwargs.get(key) is not None and not isinstance(kwargs[key], dict):
            raise GeneratorLoadError(f'{path}: Generator _init_kwargs {key} is a '
                                     f'{type(kwargs[key]).__name__}, not a dict')
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
                                     f'{brief(list(obj)[:10], max_items=10)}); an NVIDIA '
                                     f'snapshot has G, D, G_ema, augment_pipe, '
                                     f'training_set_kwargs')
        record = obj['G_ema']
    if not isinstance(record, PersistentRecord) or record.class_name != 'Generator':
        raise GeneratorLoadError(f'{path}: expected an NVIDIA Generator, found '
                                 f'{getattr(record, "class_name", type(record).__name__)}')
    state_dict = flatten_record(record, path=path)
    if any(k.startswith('synthesis.input.') for k in state_dict):
        raise GeneratorLoadError(
            f'{path}: a StyleGAN3 (alias-free, config t/r) generator (keys synthesis.input.*, '
            f'synthesis.L0_*); only StyleGAN2 generators are supported, including stylegan3\'s '
            f'--cfg=stylegan2 snapshots.')
    return nvidia_init_kwargs(record.state, path), state_dict
