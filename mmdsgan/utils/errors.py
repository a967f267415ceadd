"""The marker of errors that are the user's to fix, and how the tools report them.

Every error class of mmdsgan whose message names the file or setting and the fix (bad labels,
an unreadable checkpoint, a folder that belongs to another run, ...) also derives from
:class:`MmdsganError`. The tools in ``tools/`` print such an error as one line,
``error: <message>``, and exit with status 1 (:func:`run_tool`); any other exception is a bug
and keeps its traceback. ``--debug`` on the command line or ``MMDSGAN_DEBUG=1`` shows the
traceback of ours too.
"""
from __future__ import annotations

import os
import sys
from typing import Any, Callable

__all__ = ['MmdsganError', 'ConfigError', 'MissingFileError', 'InputError', 'run_tool']


class MmdsganError(Exception):
    """Base of the errors whose message tells the user what to fix."""


def run_tool(main: Callable[[], Any]) -> int:
    """Run a tool's ``main()``; our errors become ``error: <message>`` and status 1.

    Returns the exit status: ``main``'s integer result, else 0.
    """
    debug = '--debug' in sys.argv or os.environ.get('MMDSGAN_DEBUG', '') not in ('', '0')
    if '--debug' in sys.argv:
        sys.argv.remove('--debug')
    try:
        result = main()
    except MmdsganError as err:
        if debug:
            raise
        print(f'error: {err}', file=sys.stderr)
        return 1
    return result if isinstance(result, int) else 0


class ConfigError(MmdsganError, KeyError, ValueError):
    """A config or command-line setting is missing, unknown or out of range.

    A :class:`KeyError` (unknown/missing keys) and a :class:`ValueError` (bad values) at once,
    with the message shown as written (KeyError would quote it).
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ''


class MissingFileError(MmdsganError, FileNotFoundError):
    """A file the user named (config, checkpoint, dataset) does not exist."""


class InputError(MmdsganError, ValueError):
    """Input data that cannot be used as it is; the message names it and the fix."""
