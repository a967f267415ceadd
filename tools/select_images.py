"""Choose which k real images of an unlabeled pool to label: greedy k-center on their W+ codes.

Usage:
    python tools/select_images.py INVERT_CONFIG --data ROOT --k 16 --out IDS.txt
        [--format images|mmseg|coco|car-parts|...] [--split train] [--task seg] [--force]
        [--device cpu|cuda] [--cfg-options KEY=VALUE ...]

INVERT_CONFIG is the config of tools/invert.py; ``inversion.encoder_checkpoint`` must name the
trained encoder (e.g. ``--cfg-options inversion.encoder_checkpoint=work_dirs/.../iter_2000.pth``).
Every image of the split is read as tools/invert.py reads it (same ``--format`` readers and
``real_data``), or, with ``--format images``, every image of the folder --data (no labels
needed: choose before labeling), and fitted to the inversion size the same way; the encoder's W+ estimate of each
(no per-image optimisation) is the image's code. The k ids are chosen in greedy farthest-point
order (mmdsgan.models.inversion.selection: first the image closest to the mean code, then each
time the image farthest from those chosen), so the first j lines are the choice for a budget of
j. OUT gets the ids (file stems), one per line in that order: the file ``tools/invert.py --ids``
and the few-shot datasets read. An existing OUT is kept unless --force. The summary compares the
coverage radius (largest distance from a pool image to its nearest chosen one) with that of the
first k images in file order.
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import sys
from typing import Callable

import torch
from mmengine.config import DictAction

import mmdsgan  # noqa: F401  registers modules and safe checkpoint loading
from mmdsgan.datasets.real_labeled import (FORMATS, REGISTERED_FORMATS, list_images,
                                           read_real_labeled, read_rgb)
from mmdsgan.datasets.square_fit import SquareFit
from mmdsgan.models.inversion import build_inverter
from mmdsgan.models.inversion.selection import coverage_radius, encode_pool, k_center_greedy
from mmdsgan.tasks import task_names
from mmdsgan.utils.config import load_config
from mmdsgan.utils.errors import ConfigError, run_tool
from mmdsgan.utils.io import atomic_write

IMAGES = 'images'  # --format: a plain folder of unlabeled images (choosing before labeling)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='inversion config (model + inversion settings)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default=None,
                        help='override config settings, e.g. '
                        'inversion.encoder_checkpoint=ENC.pth model.generator_checkpoint=G.pkl')
    parser.add_argument('--data', required=True, help='real dataset root (the pool)')
    parser.add_argument('--format', choices=[*FORMATS, *REGISTERED_FORMATS, IMAGES],
                        default='mmseg', help='layout of --data, as for tools/invert.py, or '
                        f'{IMAGES!r}: --data is a folder of unlabeled images (default: mmseg)')
    parser.add_argument('--split', default=None,
                        help='split holding the pool (default: train; not with --format images)')
    parser.add_argument('--task', choices=task_names(), default=None,
                        help='the label type the reader reads with the images (default: seg; '
                        'not with --format images)')
    parser.add_argument('--k', type=int, required=True, help='how many images to label')
    parser.add_argument('--out', required=True, help='text file of the chosen ids to write')
    parser.add_argument('--force', action='store_true', help='overwrite an existing --out')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu',
                        help='torch device (default: cuda when available)')
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    if args.format == IMAGES and (args.split or args.task):
        raise ConfigError(f'--format {IMAGES}: --data is the folder of images itself; drop '
                          f'--split / --task')
    args.split, args.task = args.split or 'train', args.task or 'seg'
    if osp.exists(args.out) and not args.force:
        raise ConfigError(f'{args.out} exists: pass --force to overwrite it')
    cfg = load_config(args.config, args.cfg_options)
    settings = cfg.get('inversion') or {}
    if not settings.get('encoder_checkpoint'):
        raise ConfigError('inversion.encoder_checkpoint is not set: selection needs the trained '
                          'encoder, pass --cfg-options inversion.encoder_checkpoint=<file>')
    # Only the encoder estimate is used: no LPIPS network to build (nor its VGG file to find).
    cfg.merge_from_dict({'inversion.use_lpips': False})
    ids, load = _pool(args, cfg)
    pool = len(ids)
    if not 1 <= args.k <= pool:
        raise ConfigError(f'--k {args.k}: the pool ({args.split} of {args.data}) has {pool} '
                          f'images; choose 1..{pool}')
    inverter, settings = build_inverter(cfg, args.device)
    fit_h, fit_w = inverter.fit_size  # (size, size), or model.crop's window
    print(f'encoding {pool} images of {args.data} ({args.split}) at {fit_w}x{fit_h} on '
          f'{args.device}')
    features = encode_pool(inverter, (load(i, (fit_h, fit_w)) for i in range(pool)),
                           settings['batch_size'])  # (N, num_ws * w_dim)
    chosen = k_center_greedy(features, args.k)
    ids = [ids[i] for i in chosen]
    radius = coverage_radius(features, chosen)
    first_k_radius = coverage_radius(features, range(args.k))
    folder = osp.dirname(osp.abspath(args.out))
    os.makedirs(folder, exist_ok=True)
    atomic_write(args.out, ''.join(f'{i}\n' for i in ids).encode('utf-8'))
    print(f'pool {pool}, k {args.k}: coverage radius {radius:.4f} for the chosen ids, '
          f'{first_k_radius:.4f} for the first {args.k} in file order; wrote {args.out}')
    return dict(ids=ids, radius=radius, first_k_radius=first_k_radius)


def _pool(args: argparse.Namespace, cfg) -> tuple[list[str], Callable]:
    """The pool's ids and ``load(i, (h, w)) -> (h, w, 3) uint8``, fitted as tools/invert.py
    fits its images (shorter side to the size, centre crop)."""
    if args.format == IMAGES:
        paths = list_images(args.data)
        return ([osp.splitext(osp.basename(p))[0] for p in paths],
                lambda i, size: _fitted(read_rgb(paths[i]), size))
    real = read_real_labeled(args.data, args.format, args.split, args.task, cfg.get('real_data'))
    return list(real.ids), lambda i, size: real.load(i, size).image


def _fitted(image, size):
    return SquareFit.for_shape(image.shape[0], image.shape[1], size).image(image)


if __name__ == '__main__':
    sys.exit(run_tool(main))
