"""Downstream benchmark: arms x seeds through the MMEngine Runner, scored on real test images.

Usage:
    python tools/benchmark.py SPEC [--work-dir DIR] [--cfg-options KEY=VALUE ...]

SPEC lists the arms (one MMSeg config each: synthetic, synthetic+real, few-shot, transfer),
seeds, shared overrides and the protocol; see ``mmdsgan/evaluation/benchmark.py`` and
``configs/benchmark/``. Writes ``<work_dir>/results.md`` and ``results.png`` (with
``split='val'`` in the spec: ``results_val.*``, scoring the same trained runs); finished runs are
reused, interrupted ones resume.
"""
from __future__ import annotations

import argparse
import sys

import mmdsgan  # noqa: F401  registers modules and safe checkpoint loading
from mmdsgan.evaluation.benchmark import load_spec, report_file, run_benchmark
from mmdsgan.utils.cli import add_config_args
from mmdsgan.utils.errors import run_tool


def main(argv: list[str] | None = None) -> list:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_config_args(parser, launcher=False)
    args = parser.parse_args(argv)
    spec = load_spec(args.config, args.cfg_options)
    if args.work_dir:
        spec.work_dir = args.work_dir
    results = run_benchmark(spec)
    print(report_file(spec.work_dir, spec.split).read_text())
    return results


if __name__ == '__main__':
    sys.exit(run_tool(main))
