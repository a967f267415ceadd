"""Run one of the project's tools and record its peak resident memory: how the pipeline's stages
are launched (``python mmdsgan/pipeline/measure.py PEAK_FILE tools/x.py ARGS...``; run by
its path, so that nothing but the standard library is loaded before the tool).

The tool runs as ``python tools/x.py ARGS...`` would (``__main__``, its own folder first on
``sys.path``, its exit status kept). At exit, the process's peak resident set (Linux
``VmHWM``, in MiB) is written to PEAK_FILE. ``VmHWM`` starts afresh at ``exec``; the
``ru_maxrss`` that ``wait4`` reports does not, so it would count the parent runner's memory
copied into the child before ``exec``. Worker processes of the tool are not included (the
project's configs load data in the main process).
"""
from __future__ import annotations

import atexit
import os
import runpy
import sys


def peak_rss_mib() -> float:
    """This process's peak resident memory in MiB since its ``exec``."""
    try:
        with open('/proc/self/status', encoding='ascii') as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource  # no /proc (macOS): the process's ru_maxrss, in bytes there
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2 ** 20


def _write_peak(path: str) -> None:
    tmp = f'{path}.tmp'
    with open(tmp, 'w', encoding='ascii') as f:
        f.write(f'{peak_rss_mib():.1f}\n')
    os.replace(tmp, path)


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit('usage: python measure.py PEAK_FILE SCRIPT [ARGS...]')
    peak_file, script, *args = sys.argv[1:]
    atexit.register(_write_peak, peak_file)
    sys.argv = [script, *args]
    sys.path[0] = os.path.dirname(os.path.abspath(script))
    runpy.run_path(script, run_name='__main__')


if __name__ == '__main__':
    main()
