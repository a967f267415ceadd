"""Test (and evaluate) a trained model with the MMEngine Runner.

Usage:
    python tools/test.py CONFIG CHECKPOINT [--work-dir DIR] [--out DIR] [--show-dir DIR]
        [--cfg-options KEY=VALUE ...] [--launcher none|pytorch|slurm|mpi]

Same interface as MMSegmentation's ``tools/test.py``: prints the test metrics (mIoU, ...), with
``--out`` keeps the predictions for offline evaluation, with ``--show-dir`` paints them.
Several processes: ``bash tools/dist_test.sh CONFIG CHECKPOINT NUM_GPUS [args]``.
"""
from __future__ import annotations

import argparse
import sys
import os.path as osp

from mmengine.runner import Runner

import mmdsgan  # noqa: F401  registers modules and safe checkpoint loading
from mmdsgan.utils.cli import add_config_args, config_from_args
from mmdsgan.utils.errors import ConfigError, MissingFileError, run_tool


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_config_args(parser)
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--out', help='folder for the raw predictions (offline evaluation)')
    parser.add_argument('--show-dir', help='folder for painted predictions')
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    if not osp.isfile(args.checkpoint):
        raise MissingFileError(f'checkpoint not found: {args.checkpoint}')
    cfg = config_from_args(args)
    cfg.load_from = args.checkpoint
    if args.show_dir:
        hooks = cfg.get('default_hooks', {})
        if 'visualization' not in hooks:
            raise ConfigError('--show-dir needs default_hooks.visualization in the config, e.g. '
                              "visualization=dict(type='SegVisualizationHook')")
        hooks['visualization']['draw'] = True
        cfg.visualizer['save_dir'] = args.show_dir
    if args.out:
        cfg.test_evaluator['output_dir'] = args.out
        cfg.test_evaluator['keep_results'] = True
    return Runner.from_cfg(cfg).test()


if __name__ == '__main__':
    sys.exit(run_tool(main))
