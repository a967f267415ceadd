"""Errors raised while reading generator (and interpreter) checkpoints, and :func:`brief`, a
bounded description of untrusted values for their messages."""
from __future__ import annotations

from typing import Any

from mmdsgan.utils.checkpoint import UnsafeCheckpointError
from mmdsgan.utils.errors import MmdsganError

__all__ = ['GeneratorLoadError', 'UnsafeCheckpointError', 'UnreadableCheckpointError', 'brief']


class GeneratorLoadError(MmdsganError, ValueError):
    """A generator checkpoint is of an unknown or unsupported kind, or its weights do not fit."""


class UnreadableCheckpointError(MmdsganError, ValueError):
    """A checkpoint file is empty, truncated (cut short) or not a torch checkpoint at all."""


def brief(value: Any, max_chars: int = 160, max_nodes: int = 40, max_level: int = 3,
          max_items: int = 6) -> str:
    """A short ``repr`` of a value read from an untrusted file.

    ``repr`` of such a value can take forever (a DAG of shared lists, 2**60 leaves once
    expanded) or raise (a self-referencing container is fine, but a 10**5-digit int is not):
    this walks at most ``max_nodes`` nodes, ``max_level`` levels and ``max_items`` items per
    container, and names other objects by their type only.
    """
    out: list[str] = []
    nodes = [max_nodes]

    def walk(obj: Any, level: int) -> None:
        nodes[0] -= 1
        if nodes[0] < 0:
            out.append('...')
            return
        if isinstance(obj, (dict, list, tuple, set, frozenset)):
            opening, closing = (('{', '}') if isinstance(obj, (dict, set, frozenset)) else
                                ('[', ']') if isinstance(obj, list) else ('(', ')'))
            if level >= max_level:
                out.append(f'{opening}...{closing}' if obj else f'{opening}{closing}')
                return
            out.append(opening)
            for i, item in enumerate(obj.items() if isinstance(obj, dict) else obj):
                if i:
                    out.append(', ')
                if i >= max_items or nodes[0] <= 0:
                    out.append(f'... ({len(obj)} items)')
                    break
                if isinstance(obj, dict):
                    walk(item[0], level + 1)
                    out.append(': ')
                    item = item[1]
                walk(item, level + 1)
            out.append(closing)
        elif isinstance(obj, bool) or obj is None or isinstance(obj, float):
            out.append(repr(obj))
        elif isinstance(obj, int):
            out.append(repr(obj) if obj.bit_length() <= 128 else
                       f'<int of {obj.bit_length()} bits>')
        elif isinstance(obj, (str, bytes)):
            out.append(repr(obj[:40]) + ('...' if len(obj) > 40 else ''))
        elif hasattr(obj, 'shape') and hasattr(obj, 'dtype'):  # tensors, numpy values
            out.append(f'<{type(obj).__name__} {tuple(obj.shape)} {obj.dtype}>')
        else:
            out.append(f'<{type(obj).__name__}>')

    walk(value, 0)
    text = ''.join(out)
    return text if len(text) <= max_chars else text[:max_chars - 3] + '...'
