"""Draw test predictions side by side (image | ground truth | each arm) of a finished benchmark.

Usage:
    python tools/prediction_sheet.py SPEC --out SHEET.png [--num 6] [--seed S]
        [--cfg-options KEY=VALUE ...]

SPEC is the benchmark spec that ``tools/benchmark.py`` ran (``tools/handsoff.py`` writes it as
``<work_dir>/benchmark_spec.py`` and draws this sheet itself). Each arm's run of seed S (default
the spec's first) is loaded from its last checkpoint and predicts the first ``--num`` images of
the test split that it was scored on. Segmentation arms only.
"""
from __future__ import annotations

import argparse
import sys

import mmdsgan  # noqa: F401  registers modules and safe checkpoint loading
from mmdsgan.evaluation.benchmark import load_spec
from mmdsgan.evaluation.prediction_sheet import write_prediction_sheet
from mmdsgan.utils.cli import add_config_args
from mmdsgan.utils.errors import run_tool


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_config_args(parser, launcher=False)
    parser.add_argument('--out', required=True, help='the PNG to write')
    parser.add_argument('--num', type=int, default=6, help='test images (rows)')
    parser.add_argument('--seed', type=int, default=None, help="whose runs (default: the "
                        "spec's first seed)")
    args = parser.parse_args(argv)
    spec = load_spec(args.config, args.cfg_options)
    if args.work_dir:
        spec.work_dir = args.work_dir
    out = write_prediction_sheet(spec, args.out, args.num, args.seed)
    print(f'prediction sheet: {out}')
    return str(out)


if __name__ == '__main__':
    sys.exit(run_tool(main))
