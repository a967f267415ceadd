"""Score a downstream recipe variant on the val split, on the generated sets of a finished run.

Usage:
    python tools/try_recipe.py WORK_DIR NAME --arms REGEX [--seeds 0 1]
        [--cfg-options KEY=VALUE ...]

WORK_DIR is a ``tools/handsoff.py`` work directory whose benchmark ran (its
``benchmark_spec.py``). The arms whose names match REGEX (e.g. ``'^synthetic \\(HandsOff\\)'``)
are trained again with the options merged into each arm's own (``train_dataloader.dataset.
keep_ratio=1.0``, ``train_cfg.max_iters=2000``, ...) and scored on the experiment's val images,
never on test, into ``WORK_DIR/recipes/NAME/`` (``results_val.md``; finished runs are reused).
Compare with the unchanged recipe's ``benchmark/results_val.md`` (``--cfg-options
benchmark.split=val`` on the same experiment and work dir: it scores the trained runs).
"""
from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import mmdsgan  # noqa: F401  registers modules and safe checkpoint loading
from mmdsgan.utils.errors import ConfigError, MissingFileError, run_tool


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('work_dir', help='a tools/handsoff.py work dir whose benchmark ran')
    parser.add_argument('name', help='the variant\'s name: its folder under WORK_DIR/recipes/')
    parser.add_argument('--arms', required=True, help='regular expression on the arm names')
    parser.add_argument('--seeds', type=int, nargs='+', default=None,
                        help='training seeds (default: the benchmark\'s)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default={},
                        help='overrides merged into every chosen arm\'s config')
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> list:
    from mmdsgan.evaluation.benchmark import load_spec, report_file, run_benchmark

    args = parse_args(argv)
    work = Path(args.work_dir)
    spec_file = work / 'benchmark_spec.py'
    if not spec_file.is_file():
        raise MissingFileError(f'{spec_file} not found: run tools/handsoff.py into {work} '
                               'first')
    if not re.fullmatch(r'[A-Za-z0-9_.-]+', args.name):
        raise ConfigError(f'NAME {args.name!r}: letters, digits, ".", "_" and "-" only')
    spec = load_spec(str(spec_file))
    arms = [a for a in spec.arms if re.search(args.arms, a['name'])]
    if not arms:
        raise ConfigError(f'--arms {args.arms!r} matches none of '
                          f'{[a["name"] for a in spec.arms]}')
    val = spec.cfg_options.get('val_dataloader')
    if val is None:
        raise ConfigError(f'{spec_file} has no val_dataloader to score on')
    for arm in arms:
        arm['cfg_options'] = {**dict(arm.get('cfg_options') or {}), **args.cfg_options}
    spec.arms = arms
    spec.cfg_options['test_dataloader'] = val
    spec.split = 'val'
    spec.seeds = args.seeds if args.seeds is not None else spec.seeds
    spec.work_dir = str(work / 'recipes' / args.name)
    results = run_benchmark(spec)
    print(report_file(spec.work_dir, 'val').read_text())
    return results


if __name__ == '__main__':
    sys.exit(run_tool(main))
