"""A bounded look at a pickle before it is unpickled: refuse objects that expand exponentially.

A pickle can build a DAG of shared references in a few hundred bytes (``t1 = (t0, t0)``,
``t2 = (t1, t1)``, ... each level stored once through the memo). Unpickling it is cheap, but
anything that walks the result — hashing a tuple used as a dict key (the unpickler itself does
this), comparing, printing, converting — visits every path: 2**60 steps for 60 levels. Even
torch's ``weights_only`` loader hangs on such a file.

:func:`check_pickle_size` runs through the opcodes once (:func:`pickletools.genops`, nothing is
built or executed) and tracks, for every object on the stack and in the memo, how many elements
it expands to; a file whose objects expand beyond ``budget`` is refused. Real checkpoints expand
to at most a few million elements (a StyleGAN2 pickle's module tree, an MMEngine message hub's
histories); a 30-level DAG already expands to a billion.
"""
from __future__ import annotations

import io
import pickletools
import zipfile
from typing import BinaryIO

from .errors import MmdsganError

__all__ = ['PickleTooLargeError', 'check_pickle_size', 'check_torch_file_size', 'MAX_EXPANDED']

#: elements (containers and leaves, shared references counted each time) a pickle may expand to.
MAX_EXPANDED = 1 << 26

_MARK = object()


class PickleTooLargeError(MmdsganError, ValueError):
    """A pickle whose objects expand beyond the budget (a DAG of shared references)."""


class _Size:
    """The expanded size of one object; containers are updated as items are added, and every
    reference (memo, stack) shares the cell."""
    __slots__ = ('value',)

    def __init__(self, value: int) -> None:
        self.value = value


# Opcodes that pop n items and push one object built from them.
_BUILD_N = {'TUPLE1': 1, 'TUPLE2': 2, 'TUPLE3': 3, 'STACK_GLOBAL': 2, 'REDUCE': 2,
            'NEWOBJ': 2, 'NEWOBJ_EX': 3, 'BINPERSID': 1}
# Opcodes that pop everything down to the mark and push one object built from it.
_BUILD_MARK = {'TUPLE', 'LIST', 'DICT', 'FROZENSET', 'INST', 'OBJ'}
# Opcodes that pop everything down to the mark and add it to the object below the mark.
_ADD_MARK = {'APPENDS', 'SETITEMS', 'ADDITEMS'}
# Opcodes that push one new leaf or empty container.
_PUSH = {'NONE', 'NEWTRUE', 'NEWFALSE', 'INT', 'BININT', 'BININT1', 'BININT2', 'LONG', 'LONG1',
         'LONG4', 'FLOAT', 'BINFLOAT', 'STRING', 'BINSTRING', 'SHORT_BINSTRING', 'BINBYTES',
         'SHORT_BINBYTES', 'BINBYTES8', 'BYTEARRAY8', 'UNICODE', 'BINUNICODE',
         'SHORT_BINUNICODE', 'BINUNICODE8', 'EMPTY_LIST', 'EMPTY_DICT', 'EMPTY_TUPLE',
         'EMPTY_SET', 'GLOBAL', 'PERSID', 'EXT1', 'EXT2', 'EXT4', 'NEXT_BUFFER'}
_NOTHING = {'PROTO', 'FRAME', 'STOP', 'READONLY_BUFFER'}


def check_pickle_size(file: BinaryIO, name: str, budget: int = MAX_EXPANDED) -> None:
    """Refuse (:class:`PickleTooLargeError` naming ``name``) a pickle in ``file`` (read from its
    current position to its STOP) whose objects expand to more than ``budget`` elements.

    Malformed pickles are left for the unpickler to report.
    """
    stack: list = []
    memo: dict = {}

    def pop_mark() -> list:
        items = []
        while stack and stack[-1] is not _MARK:
            items.append(stack.pop())
        if stack:
            stack.pop()
        return items

    def total(items) -> int:
        return sum(i.value for i in items if isinstance(i, _Size))

    def push(size: int) -> None:
        if size > budget:
            raise PickleTooLargeError(
                f'refused to load {name}: it holds an object that expands to more than '
                f'{budget} elements (shared references nested level on level), which no '
                f'checkpoint needs and which would take unbounded time and memory to read')
        stack.append(_Size(size))

    try:
        for opcode, arg, _ in pickletools.genops(file):
            op = opcode.name
            if op in _PUSH:
                push(1)
            elif op in _NOTHING:
                if op == 'STOP':
                    return
            elif op == 'MARK':
                stack.append(_MARK)
            elif op in _BUILD_N:
                items = [stack.pop() for _ in range(_BUILD_N[op])]
                push(1 + total(items))
            elif op in _BUILD_MARK:
                push(1 + total(pop_mark()))
            elif op in _ADD_MARK or op in ('APPEND', 'SETITEM', 'BUILD'):
                items = (pop_mark() if op in _ADD_MARK else
                         [stack.pop() for _ in range(1 if op in ('APPEND', 'BUILD') else 2)])
                target = stack[-1]
                if isinstance(target, _Size):
                    target.value += total(items)
                    if target.value > budget:
                        push(target.value)  # raises
            elif op in ('PUT', 'BINPUT', 'LONG_BINPUT'):
                memo[arg] = stack[-1]
            elif op == 'MEMOIZE':
                memo[len(memo)] = stack[-1]
            elif op in ('GET', 'BINGET', 'LONG_BINGET'):
                stack.append(memo[arg])
            elif op == 'POP':
                stack.pop()
            elif op == 'POP_MARK':
                pop_mark()
            elif op == 'DUP':
                stack.append(stack[-1])
            else:  # an opcode this scan does not model: leave the file to the unpickler
                return
    except PickleTooLargeError:
        raise
    except (ValueError, KeyError, IndexError, EOFError):
        return  # malformed: the unpickler reports it with its own message


def check_torch_file_size(path: str, budget: int = MAX_EXPANDED) -> None:
    """:func:`check_pickle_size` of a ``torch.save`` file: its ``data.pkl`` (zip format) or the
    plain pickles at its start (legacy format)."""
    with open(path, 'rb') as f:
        head = f.read(4)
        if head.startswith(b'PK\x03\x04'):
            try:
                with zipfile.ZipFile(f) as archive:
                    names = [n for n in archive.namelist()
                             if n == 'data.pkl' or n.endswith('/data.pkl')]
                    for member in names[:1]:
                        with archive.open(member) as data:
                            check_pickle_size(io.BytesIO(data.read()), path, budget)
            except zipfile.BadZipFile:
                return  # torch reports the damaged archive
            return
        f.seek(0)
        for _ in range(4):  # legacy format: magic, protocol, sys info, then the object
            check_pickle_size(f, path, budget)
