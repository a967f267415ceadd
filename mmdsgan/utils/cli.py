"""Command-line plumbing shared by the scripts in ``tools/``: config + ``--cfg-options``,
launcher and work directory, the same flags and rules as MMSegmentation's tools."""
from __future__ import annotations

import argparse
import os
import os.path as osp
import uuid

from mmengine.config import Config, DictAction

from .config import default_work_dir, load_config

__all__ = ['add_config_args', 'config_from_args', 'default_work_dir']


def add_config_args(parser: argparse.ArgumentParser, launcher: bool = True) -> None:
    """Add ``config``, ``--work-dir``, ``--cfg-options`` (and ``--launcher``) to ``parser``."""
    parser.add_argument('config', help='config file path')
    parser.add_argument('--work-dir', help='folder for logs and checkpoints '
                        '(default: ./work_dirs/<config name>)')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction, default=None,
        help='override config settings, key=value pairs merged into the config, e.g. '
        'train_cfg.max_iters=20 or model.decode_head.num_classes=7; lists as key="[a,b]"')
    if launcher:
        parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm', 'mpi'],
                            default='none', help='job launcher (torchrun: pytorch)')
        # torch.distributed.launch passes --local-rank; torchrun sets LOCAL_RANK.
        parser.add_argument('--local_rank', '--local-rank', type=int, default=0,
                            help=argparse.SUPPRESS)


def config_from_args(args: argparse.Namespace) -> Config:
    """Read ``args.config`` (:func:`~mmdsgan.utils.config.load_config`), merge
    ``--cfg-options``, set ``launcher``, ``work_dir`` and ``experiment_name``.

    ``work_dir`` priority (as MMSeg): ``--work-dir`` > the config's ``work_dir`` >
    ``./work_dirs/<config file stem>``.

    ``experiment_name`` (unless the config sets one) is the config's stem plus a random run id.
    MMEngine names its logger and visualizer instances ``<experiment_name>_<timestamp to the
    second>`` and hands an existing instance back, so a name made of the stem and the second
    alone would let two runners started within one second in one process (tests, notebooks)
    share the first runner's log file.
    """
    if 'LOCAL_RANK' not in os.environ and getattr(args, 'local_rank', None) is not None:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    cfg = load_config(args.config, args.cfg_options)
    if getattr(args, 'launcher', None) is not None:
        cfg.launcher = args.launcher
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = default_work_dir(args.config)
    if cfg.get('experiment_name', None) is None:
        stem = osp.splitext(osp.basename(args.config))[0]
        cfg.experiment_name = f'{stem}_{uuid.uuid4().hex[:8]}'
    return cfg
