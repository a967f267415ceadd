"""Claim an output folder for a dataset writer: start it, resume it, or refuse it.

Every writer of the project marks the folder it writes with a JSON *meta file* that names the
kind of dataset and the settings its files depend on (the *fingerprint*). Before it writes
anything, a writer calls :func:`claim_folder`:

- a missing or empty folder is ``'new'``;
- a folder whose meta file has the writer's kind and the same fingerprint is resumed
  (``'resume'``);
- anything else is refused with a :class:`FolderClaimError` (a :class:`FileExistsError`) of
  one line that names the folder, what differs and how to go on (e.g. ``--force``), unless
  ``force`` is set: then the folder is ``'new'`` whatever it holds (the writer starts over).

Then :func:`prepare_folders` creates the writer's sub-folders and deletes the temporaries that
an interrupted :func:`~mmdsgan.utils.io.atomic_write` left there, and only there: other files
of the folder, and anything below other sub-folders, are left alone.
"""
from __future__ import annotations

import glob
import json
import os
from pathlib import Path
from typing import Any, Iterable, Mapping

from mmdsgan.utils.errors import MmdsganError
from mmdsgan.utils.io import remove_stale_temporaries

__all__ = ['FolderClaimError', 'claim_folder', 'prepare_folders']

#: Longest string value that a refusal shows; longer ones (hashes, configs) are only named.
_SHOWN_CHARS = 24


class FolderClaimError(MmdsganError, FileExistsError):
    """The folder holds something else than an unfinished run of the same writer and
    settings; the message names the folder, what differs and how to go on."""


def claim_folder(out: str | os.PathLike, meta_name: str, kind: str | None,
                 fingerprint: Mapping[str, Any], force: bool = False,
                 tool_hint: str = 'pass --force to write into it anyway', *, who: str,
                 adopt_unmarked: bool = False) -> str:
    """Decide whether a writer may write into ``out``; nothing is written or deleted here.

    Args:
        out: the output folder (it may be missing).
        meta_name: file name of the writer's meta file in ``out``, e.g. ``'metainfo.json'``.
        kind: the meta file's ``'kind'`` this writer writes; None: the meta file has no kind
            and only the fingerprint is compared.
        fingerprint: meta-file entries that must be equal for the folder to be resumed
            (compared with ``==`` to the parsed JSON, so use lists, not tuples).
        force: claim the folder whatever it holds (``'new'``: the writer starts over).
        tool_hint: how to go on, the end of a refusal's message, e.g. ``'use another folder,
            or pass --force (force=True) to start over in it'``.
        who: the writer, the start of every message (e.g. ``'generate_dataset'``).
        adopt_unmarked: treat a non-empty folder without a meta file as ``'new'`` instead of
            refusing it.

    Returns:
        ``'new'`` (missing, empty, unmarked and adopted, or forced) or ``'resume'``.

    Raises:
        NotADirectoryError: ``out`` exists and is not a folder (even with ``force``).
        FolderClaimError: the folder holds other data and ``force`` is False.
    """
    path = os.fspath(out)
    if os.path.exists(path) and not os.path.isdir(path):
        raise NotADirectoryError(f'{who}: {path} exists and is not a folder')
    if force or not os.path.isdir(path) or not os.listdir(path):
        return 'new'
    try:
        with open(os.path.join(path, meta_name), encoding='utf-8') as f:
            meta = json.load(f)
    except FileNotFoundError:
        if adopt_unmarked:
            return 'new'
        problem = f'is not empty and has no {meta_name}' + (
            f' of kind {kind!r}' if kind is not None else '')
    except (OSError, ValueError) as err:
        problem = f'is not empty and has an unreadable {meta_name} ({err})'
    else:
        if not isinstance(meta, dict):
            problem = f'is not empty and its {meta_name} is not a JSON object'
        elif kind is not None and meta.get('kind') != kind:
            problem = (f"is not empty and its {meta_name} has 'kind' {meta.get('kind')!r}, "
                       f'not {kind!r}')
        else:
            differences = _differences(meta, fingerprint)
            if not differences:
                return 'resume'
            problem = f'belongs to another dataset ({differences})'
    raise FolderClaimError(f'{who}: the folder {path} {problem}: {tool_hint}.')


def prepare_folders(root: str | os.PathLike, subfolders: Iterable[str | os.PathLike] = (),
                    root_files: Iterable[str] = ()) -> int:
    """Create ``root`` and the writer's ``subfolders`` and delete stale temporaries.

    A sub-folder holds only the writer's files, so every temporary directly in it
    (``.*.tmp``) goes; in ``root``, which may hold other things, only the temporaries of
    ``root_files`` (the writer's own files there, e.g. its meta file) go. Nothing below is
    visited. Returns how many temporaries were deleted.
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    removed = 0
    for folder in subfolders:
        Path(folder).mkdir(parents=True, exist_ok=True)
        removed += remove_stale_temporaries(folder)
    for name in root_files:
        for tmp in root.glob(f'.{glob.escape(name)}.*.tmp'):
            try:
                tmp.unlink()
                removed += 1
            except FileNotFoundError:
                pass
    return removed


def _differences(meta: Mapping[str, Any], fingerprint: Mapping[str, Any]) -> str:
    """``'size 32, not 64; generation differs'``: the folder's value first, then this run's;
    values too long for one line are only named."""
    parts = []
    for key, wanted in fingerprint.items():
        found = meta.get(key)
        if found == wanted:
            continue
        if _short(found) and _short(wanted):
            parts.append(f'{key} {found!r}, not {wanted!r}')
        else:
            parts.append(f'{key} differs')
    return '; '.join(parts)


def _short(value: Any) -> bool:
    return value is None or isinstance(value, (bool, int, float)) or (
        isinstance(value, str) and len(value) <= _SHOWN_CHARS)
