"""Paths that come from data files or configs stay inside the folder they belong to.

A manifest line, a COCO ``file_name`` or a config's split name is data, not a licence to read or
write anywhere: :func:`path_inside` refuses absolute paths, ``..`` and symbolic links that lead
out of the root, and :func:`check_folder_name` accepts only a plain folder name.
"""
from __future__ import annotations

import os
import os.path as osp
import re

from .errors import InputError

__all__ = ['path_inside', 'check_folder_name']

_FOLDER_NAME = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.-]*$')


def path_inside(root: str | os.PathLike, relative: str, source: str) -> str:
    """``root/relative``, refused (:class:`InputError` naming ``source``) unless it stays inside
    ``root``: no absolute path, no ``..`` component, no symbolic link out of ``root``."""
    root = os.fspath(root)
    if not isinstance(relative, str) or not relative:
        raise InputError(f'{source}: expected a file path relative to {root}, got {relative!r}')
    parts = relative.replace('\\', '/').split('/')
    if osp.isabs(relative) or relative.startswith(('/', '\\')) or '..' in parts:
        raise InputError(f'{source}: the path {relative!r} leaves {root}; paths in data files '
                         f'must be relative to it, without ".."')
    path = osp.join(root, relative)
    real_root = osp.realpath(root)
    real = osp.realpath(path)
    if real != real_root and not real.startswith(real_root.rstrip(os.sep) + os.sep):
        raise InputError(f'{source}: {path} is a symbolic link to {real}, outside {root}; copy '
                         f'the file into the folder instead')
    return path


def check_folder_name(name: str, source: str) -> str:
    """``name`` if it is a plain folder name (letters, digits, ``_``, ``-``, ``.``, not
    starting with ``.``), else :class:`InputError` naming ``source``."""
    if not isinstance(name, str) or not _FOLDER_NAME.match(name):
        raise InputError(f"{source} must be a plain folder name such as 'train' (letters, "
                         f"digits, '_', '-', '.'), got {name!r}")
    return name
