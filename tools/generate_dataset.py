"""Generate a labeled synthetic dataset with a trained DatasetGAN interpreter.

Usage:
    python tools/generate_dataset.py CONFIG --num N --out DIR [--batch-size B]
        [--checkpoint CKPT] [--save-latents] [--force] [--launcher none|pytorch|slurm]
        [--cfg-options KEY=VALUE ...]

CONFIG is the interpreter config (``tools/train.py CONFIG`` trained it): it names the generator
checkpoint, the classes, and an optional ``generation=dict(truncation_psi=0.7,
truncation_cutoff=None, seed=0, split='train', img_format='png', batch_size=8,
save_latents=False, save_uncertainty=True)`` section (these are the defaults; the truncation
defaults to the backbone's). CKPT defaults to the latest checkpoint of the config's work
directory (``--work-dir`` or ``./work_dirs/<config name>``).

DIR gets ``img_dir/<split>/``, ``ann_dir/<split>/``, ``unc_dir/<split>/``, ``manifest.jsonl`` and
``metainfo.json`` (see docs/generation.md). Re-running the same command resumes an
interrupted run; several processes share the work, e.g.
``torchrun --nproc_per_node 4 tools/generate_dataset.py CONFIG -n 10000 --out DIR
--launcher pytorch``.
"""
from __future__ import annotations

import argparse
import sys

import torch
from mmengine.dist import get_dist_info, init_dist
from mmengine.logging import print_log

import mmdsgan  # noqa: F401  registers the modules and safe checkpoint loading
from mmdsgan.datasets.synthetic import generate_dataset
from mmdsgan.utils.cli import add_config_args, config_from_args
from mmdsgan.utils.errors import run_tool


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_config_args(parser)
    parser.add_argument('-n', '--num', type=int, required=True,
                        help='number of samples (under torchrun write -n N: torchrun takes '
                        '--num for its own --numa-binding)')
    parser.add_argument('--out', required=True, help='output folder')
    parser.add_argument('--batch-size', type=int, default=None,
                        help='latents per forward pass (default generation.batch_size = 8)')
    parser.add_argument('--checkpoint', default=None,
                        help='interpreter checkpoint (default: the work directory\'s latest)')
    parser.add_argument('--save-latents', action='store_true',
                        help='also write latents/<id>.npy (w+ after truncation)')
    parser.add_argument('--force', action='store_true',
                        help='write into a non-empty folder that is not an unfinished run of '
                        'the same settings, starting over')
    parser.add_argument('--device', default=None,
                        help='default: cuda:<LOCAL_RANK> when available, else cpu')
    return parser.parse_args(argv)


def init_distributed(launcher: str, dist_cfg: dict) -> None:
    """MMEngine's ``init_dist`` with the config's ``env_cfg.dist_cfg`` on GPUs; on a CPU-only
    machine the gloo backend, and for torchrun the process group is initialised directly
    (``init_dist`` calls ``torch.cuda.set_device``, which fails without a GPU)."""
    dist_cfg = dict(dist_cfg)
    if torch.cuda.is_available():
        init_dist(launcher, **dist_cfg)
    elif launcher == 'pytorch':
        # torchrun's environment (RANK, WORLD_SIZE, MASTER_ADDR, MASTER_PORT): env:// init.
        torch.distributed.init_process_group(backend='gloo')
    else:
        raise RuntimeError(f'--launcher {launcher} needs GPUs here (MMEngine assigns one per '
                           f'process); on CPUs use torchrun with --launcher pytorch')


def main(argv: list[str] | None = None) -> list[dict]:
    args = parse_args(argv)
    cfg = config_from_args(args)
    if args.launcher != 'none':
        init_distributed(args.launcher, cfg.get('env_cfg', {}).get('dist_cfg', {}))
    records = generate_dataset(cfg, args.num, args.out, checkpoint=args.checkpoint,
                               batch_size=args.batch_size, force=args.force, device=args.device,
                               save_latents=True if args.save_latents else None)
    if get_dist_info()[0] == 0:
        print_log(f'{args.out}: {len(records)} samples in manifest.jsonl', logger='current')
    return records


if __name__ == '__main__':
    sys.exit(run_tool(main))
