"""Wall time and peak memory of every stage of one pipeline run (``tools/handsoff.py``).

Usage:
    python tools/perf/benchmark_pipeline.py [EXPERIMENT_CONFIG] [--work-dir DIR]
        [--cfg-options KEY=VALUE ...]

EXPERIMENT_CONFIG defaults to the real-resolution proof on a CPU,
``configs/experiments/handsoff_random-config-f-256_toy-faces-256x256.py`` (a random config-f
generator at 256x256, 4 labeled faces, a handful of iterations per stage). DIR (default a new
temporary folder, deleted afterwards) must not hold an earlier run: finished stages would be
skipped and their figures would be old. The runner records each stage's wall time and the peak
resident memory of its process (``stages/<name>.json``); this prints them as a Markdown table
for docs/benchmarks.md, with the total.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEFAULT = 'configs/experiments/handsoff_random-config-f-256_toy-faces-256x256.py'


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', nargs='?', default=DEFAULT, help='experiment config')
    parser.add_argument('--work-dir', default=None, help='a new folder for the run')
    parser.add_argument('--cfg-options', nargs='+', default=[], help='passed to the runner')
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix='mmdsgan_pipeline_') as tmp:
        work = Path(args.work_dir or Path(tmp) / 'run').resolve()
        if (work / 'stages').is_dir():
            sys.exit(f'error: {work} holds an earlier run (its stages would be skipped): '
                     'give a new --work-dir')
        cmd = [sys.executable, 'tools/handsoff.py', args.config, '--work-dir', str(work)]
        if args.cfg_options:
            cmd += ['--cfg-options', *args.cfg_options]
        start = time.time()
        subprocess.run(cmd, cwd=REPO, check=True)
        total = time.time() - start
        records = sorted((json.loads(p.read_text()) for p in (work / 'stages').glob('*.json')),
                         key=lambda r: r['started'])
        rows = [f'| {r["title"]} | {r["seconds"]:.1f} | {r["peak_rss_mb"]:.0f} |'
                for r in records]
    table = '\n'.join([
        f'`python tools/perf/benchmark_pipeline.py {args.config}` '
        f'({os.cpu_count()} CPU cores, OMP_NUM_THREADS={os.environ.get("OMP_NUM_THREADS", "-")})',
        '', '| stage | wall s | peak RSS (MiB) |', '|---|---|---|', *rows,
        f'| **total (runner included)** | **{total:.1f}** | |', ''])
    print(table)
    return table


if __name__ == '__main__':
    main()
