"""Command-line plumbing shared by the scripts in ``tools/``: config + ``--cfg-options``,
launcher and work directory, the same flags and rules as MMSegmentation's tools."""
from __future__ import annotations

import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction

# Configs loaded so far in this process (see ``load_config``).
_LOADED = 0

__all__ = ['add_config_args', 'default_work_dir', 'load_config']


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


def default_work_dir(config_file: str | None) -> str:
    """MMSeg's default work directory of a config: ``./work_dirs/<config file stem>``."""
    return osp.join('./work_dirs', osp.splitext(osp.basename(config_file or 'config'))[0])


def load_config(args: argparse.Namespace) -> Config:
    """Read ``args.config``, merge ``--cfg-options``, set ``launcher`` and ``work_dir``.

    ``work_dir`` priority (as MMSeg): ``--work-dir`` > the config's ``work_dir`` >
    ``./work_dirs/<config file stem>``.

    From the second config loaded in one process on (tests, notebooks), ``experiment_name``
    gets a run counter unless the config sets one: MMEngine names its logger and visualizer
    instances ``<experiment_name>_<timestamp to the second>`` and hands an existing instance
    back, so two runners started within one second would otherwise write into the first
    runner's log file.
    """
    global _LOADED
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config file not found: {args.config}')
    if 'LOCAL_RANK' not in os.environ and getattr(args, 'local_rank', None) is not None:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    cfg = Config.fromfile(args.config)
    if getattr(args, 'launcher', None) is not None:
        cfg.launcher = args.launcher
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = default_work_dir(args.config)
    _LOADED += 1
    if _LOADED > 1 and cfg.get('experiment_name', None) is None:
        cfg.experiment_name = f'{osp.splitext(osp.basename(args.config))[0]}_run{_LOADED}'
    return cfg
