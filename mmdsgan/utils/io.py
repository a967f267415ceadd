"""Small file helpers shared by the writers: atomic writes, PNG/NPY encoding, file hashes.

A file written with :func:`atomic_write` is either absent or complete: the bytes go to a
temporary file next to the target (``.<name>.<pid>-<random>.tmp``), are flushed to disk, and the
temporary is renamed onto the target with :func:`os.replace` (atomic on POSIX and Windows).
A crash leaves at most a stray temporary, which :func:`remove_stale_temporaries` deletes.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
from pathlib import Path
from typing import BinaryIO, Callable, Sequence

import numpy as np
from PIL import Image

__all__ = ['atomic_write', 'atomic_write_with', 'remove_stale_temporaries', 'png_bytes',
           'jpg_bytes', 'npy_bytes', 'sha256_file', 'json_text']


def atomic_write(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file + fsync + ``os.replace``)."""
    atomic_write_with(path, lambda f: f.write(data))


def atomic_write_with(path: str | os.PathLike, write: Callable[[BinaryIO], object]) -> None:
    """Like :func:`atomic_write`, but ``write(f)`` writes the content into the open temporary
    file ``f`` (binary), e.g. ``lambda f: torch.save(obj, f)``: large content is streamed to
    disk instead of being held in memory as bytes first."""
    path = Path(path)
    tmp = path.with_name(f'.{path.name}.{os.getpid()}-{os.urandom(4).hex()}.tmp')
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # mode follows the umask
    try:
        with os.fdopen(fd, 'wb') as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


def remove_stale_temporaries(folder: str | os.PathLike) -> int:
    """Delete temporaries (``.*.tmp``) that an interrupted :func:`atomic_write` left in
    ``folder``; returns how many were removed."""
    removed = 0
    for path in Path(folder).glob('.*.tmp'):
        try:
            path.unlink()
            removed += 1
        except FileNotFoundError:
            pass
    return removed


def png_bytes(array: np.ndarray, palette: Sequence[Sequence[int]] | None = None) -> bytes:
    """PNG encoding of ``array``.

    Args:
        array: (H, W, 3) uint8 RGB; (H, W) uint8 grey (a palette PNG, mode ``'P'``, when
            ``palette`` is given: pixel values stay the indices); or (H, W) uint16 (16-bit grey).
        palette: one [r, g, b] per index, for (H, W) uint8 arrays; indices beyond it (e.g.
            255 = ignore) are kept (the palette is then padded with white to 256 entries).
    """
    if array.dtype == np.uint16:
        image = Image.fromarray(array)  # mode 'I;16'
    else:
        image = Image.fromarray(np.ascontiguousarray(array, dtype=np.uint8))
        if palette is not None:
            if image.mode != 'L':
                raise ValueError(f'png_bytes: a palette needs an (H, W) uint8 index array, got '
                                 f'shape {array.shape}')
            colours = [list(rgb) for rgb in palette]
            if array.size and int(array.max()) >= len(colours):
                # PIL picks the PNG bit depth from the palette's length (4 colours: 2 bits), so
                # an index beyond the palette (e.g. 255 = ignore) would be cut to its low bits.
                colours += [[255, 255, 255]] * (256 - len(colours))
            image.putpalette([int(c) for rgb in colours for c in rgb])
    buf = io.BytesIO()
    image.save(buf, format='PNG')
    return buf.getvalue()


def jpg_bytes(image: np.ndarray, quality: int = 95) -> bytes:
    """JPEG encoding of an (H, W, 3) uint8 RGB image."""
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format='JPEG', quality=quality)
    return buf.getvalue()


def npy_bytes(array: np.ndarray) -> bytes:
    """``numpy.save`` of ``array`` into bytes (for :func:`atomic_write`)."""
    buf = io.BytesIO()
    np.save(buf, array, allow_pickle=False)
    return buf.getvalue()


def sha256_file(path: str | os.PathLike, block_size: int = 1 << 20) -> str:
    """Hex SHA-256 of a file's content."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(block_size), b''):
            digest.update(block)
    return digest.hexdigest()


def json_text(obj) -> str:
    """``json.dumps(obj, indent=1)`` with every list of numbers on one line (palettes, sizes)."""
    text = json.dumps(obj, indent=1)
    return re.sub(r'\[\s+([-\d.,eE+\s]+?)\s+\]',
                  lambda m: '[' + re.sub(r'\s+', ' ', m.group(1)) + ']', text)
