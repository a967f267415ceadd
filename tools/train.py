"""Train a model (MMSeg segmentor, interpreter ensemble, encoder, ...) with the MMEngine Runner.

Usage:
    python tools/train.py CONFIG [--work-dir DIR] [--resume [CKPT]] [--amp]
        [--cfg-options KEY=VALUE ...] [--launcher none|pytorch|slurm|mpi]

Same interface as MMSegmentation's ``tools/train.py``; ``--resume`` alone resumes from the latest
checkpoint in the work directory, ``--resume CKPT`` from that file. Several processes:
``bash tools/dist_train.sh CONFIG NUM_GPUS [args]`` (torchrun) or ``--launcher slurm`` under srun.
"""
from __future__ import annotations

import argparse
import sys
import logging

from mmengine.logging import print_log
from mmengine.runner import Runner

import mmdsgan  # noqa: F401  registers modules and safe checkpoint loading
from mmdsgan.utils.cli import add_config_args, config_from_args
from mmdsgan.utils.errors import ConfigError, run_tool


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_config_args(parser)
    parser.add_argument('--resume', nargs='?', type=str, const='auto', default=None,
                        help='resume from CKPT, or from the latest checkpoint in the work '
                        'directory when no path is given')
    parser.add_argument('--amp', action='store_true',
                        help='automatic mixed precision (AmpOptimWrapper)')
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> Runner:
    args = parse_args(argv)
    cfg = config_from_args(args)

    if args.amp:
        wrapper = cfg.optim_wrapper.get('type', 'OptimWrapper')
        if wrapper == 'AmpOptimWrapper':
            print_log('AMP is already enabled in the config.', logger='current',
                      level=logging.WARNING)
        elif wrapper != 'OptimWrapper':
            raise ConfigError(f'--amp needs optim_wrapper.type "OptimWrapper", the config has '
                              f'"{wrapper}": set AmpOptimWrapper in the config instead')
        else:
            cfg.optim_wrapper.type = 'AmpOptimWrapper'
            cfg.optim_wrapper.loss_scale = 'dynamic'

    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume

    runner = Runner.from_cfg(cfg) if 'runner_type' not in cfg else _build_runner(cfg)
    runner.train()
    return runner


def _build_runner(cfg):
    from mmseg.registry import RUNNERS
    return RUNNERS.build(cfg)


if __name__ == '__main__':
    sys.exit(run_tool(main))
