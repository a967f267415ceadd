"""Load MMEngine checkpoints with torch's safe unpickler (``weights_only=True``).

Since torch 2.6, ``torch.load`` defaults to ``weights_only=True``. MMEngine 0.10.7 saves, besides
tensors, a ``message_hub`` whose ``HistoryBuffer`` objects hold numpy arrays, and pickles the
buffer's statistics methods as ``getattr(HistoryBuffer, 'min')``; so ``load_from``, ``--resume``
and ``tools/test.py CKPT`` fail (mmengine issue 1655). We neither switch the safe loader off nor
allow ``builtins.getattr`` wholesale: we allow exactly the globals such a checkpoint needs, with a
``getattr`` stand-in that resolves only ``HistoryBuffer``'s statistics methods, and we install a
local-file loader that always passes ``weights_only=True`` and explains a refusal.

Call :func:`register_safe_checkpoint_loading` once; ``import mmdsgan`` does.
"""
from __future__ import annotations

import os.path as osp
import pickle
from typing import Any, Callable

import numpy as np
import torch

from .errors import MissingFileError, MmdsganError
from .pickle_scan import check_torch_file_size

__all__ = ['UnsafeCheckpointError', 'load_checkpoint_safely', 'register_safe_checkpoint_loading']

_HISTORY_BUFFER_STATISTICS = ('min', 'max', 'mean', 'current')


class UnsafeCheckpointError(MmdsganError, pickle.UnpicklingError):
    """A checkpoint asked the unpickler for something outside the safe allowlist."""


def _history_buffer_getattr(obj: Any, name: str) -> Callable:
    """Stand-in for ``builtins.getattr`` that only resolves HistoryBuffer statistics."""
    from mmengine.logging import HistoryBuffer

    if obj is not HistoryBuffer or name not in _HISTORY_BUFFER_STATISTICS:
        raise UnsafeCheckpointError(
            f'refused getattr({getattr(obj, "__name__", obj)!r}, {name!r}): only '
            f'HistoryBuffer.{{{",".join(_HISTORY_BUFFER_STATISTICS)}}} may be looked up')
    return getattr(HistoryBuffer, name)


def _safe_globals() -> list:
    """Every global an MMEngine checkpoint (numpy 1.x or 2.x) needs, and nothing else."""
    from mmengine.logging import HistoryBuffer

    multiarray = np._core.multiarray if hasattr(np, '_core') else np.core.multiarray
    allowed: list = [
        HistoryBuffer, np.ndarray, np.dtype,
        (multiarray._reconstruct, 'numpy._core.multiarray._reconstruct'),
        (multiarray._reconstruct, 'numpy.core.multiarray._reconstruct'),
        (multiarray.scalar, 'numpy._core.multiarray.scalar'),
        (multiarray.scalar, 'numpy.core.multiarray.scalar'),
        (_history_buffer_getattr, 'builtins.getattr'),
    ]
    # numpy >= 1.25 pickles dtypes through their classes (numpy.dtypes.Float64DType, ...).
    dtypes = getattr(np, 'dtypes', None)
    if dtypes is not None:
        allowed += [getattr(dtypes, n) for n in dir(dtypes)
                    if n.endswith('DType') and isinstance(getattr(dtypes, n), type)]
    return allowed


def load_checkpoint_safely(filename: str, map_location: Any = None) -> Any:
    """``torch.load(filename, weights_only=True)`` with a clear error on refusal.

    Args:
        filename: path of a local checkpoint file (``~`` is expanded).
        map_location: as for :func:`torch.load`.

    Raises:
        FileNotFoundError: the file does not exist.
        UnsafeCheckpointError: the file needs a global outside the allowlist; the message names
            the file and the global, and how to re-save a trusted file's weights.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise MissingFileError(f'checkpoint not found: {filename}')
    check_torch_file_size(filename)  # bounded: a DAG of shared references is refused
    try:
        return torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as err:
        reason = str(err).strip().splitlines()
        # torch's message starts with a paragraph recommending weights_only=False; keep the line
        # that names the refused global.
        detail = next((ln.strip() for ln in reason if 'GLOBAL' in ln or 'getattr' in ln
                       or 'Unsupported' in ln), reason[-1] if reason else '')
        raise UnsafeCheckpointError(
            f'refused to load {filename}: it needs an object outside the safe allowlist '
            f'({detail}). mmdsgan loads checkpoints with weights_only=True and does not run code '
            f'from them. If you trust this file, re-save only its weights, e.g. '
            f'torch.save({{"state_dict": ckpt["state_dict"]}}, "clean.pth"), and load that.'
        ) from err


def register_safe_checkpoint_loading() -> None:
    """Allow MMEngine's checkpoint globals in torch's safe unpickler and route MMEngine's local
    checkpoint loading (``load_from``, ``--resume``, ``tools/test.py``) through
    :func:`load_checkpoint_safely`. Idempotent."""
    from mmengine.runner.checkpoint import CheckpointLoader

    torch.serialization.add_safe_globals(_safe_globals())
    CheckpointLoader.register_scheme(prefixes='', loader=load_from_local, force=True)


def load_from_local(filename: str, map_location: Any = None) -> Any:
    """MMEngine ``CheckpointLoader`` backend for local paths (the '' scheme)."""
    return load_checkpoint_safely(filename, map_location)
