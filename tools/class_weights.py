"""Class weights of a downstream config's loss from its training labels' pixel frequencies.

Usage:
    python tools/class_weights.py CONFIG [--split train] [--max-images N] [--c 1.02]
        [--out CHILD_CONFIG] [--cfg-options KEY=VALUE ...]

Rule (ENet, Paszke et al. 2016): ``w_k = 1 / ln(c + f_k)`` with ``f_k`` the fraction of labeled
pixels (ignore index 255 left out) of class k over the split's label maps, as they are read (at
their own size, before resizing), and ``c = 1.02``. The weights lie in ``(1 / ln(1 + c),
1 / ln(c)]`` = (1.42, 50.5]: rare classes (a 5-pixel eye) get up to ~35x the weight of a class
covering half the image, and a class absent from the labels gets the largest weight rather than an
infinite one. Median-frequency balancing (``median(f) / f_k``, Eigen & Fergus) has no such bound:
it is infinite for an absent class and in the hundreds for the tiny parts of a 16-label set.

The tool prints the table and the ``--cfg-options`` to use; ``--out`` writes a child config of
CONFIG that sets the weights of the decode and auxiliary heads' ``loss_decode``, with a comment
naming the command that made it.
"""
from __future__ import annotations

import argparse
import math
import os
import os.path as osp
import sys
from typing import Sequence

import numpy as np
from mmengine.config import DictAction
from mmengine.registry import init_default_scope

import mmdsgan  # noqa: F401  registers the datasets and transforms
from mmdsgan.utils.config import load_config
from mmdsgan.utils.errors import ConfigError, InputError, run_tool

ENET_C = 1.02
LABEL_LOADERS = ('LoadAnnotations', 'LoadRealAnnotations')


def enet_class_weights(counts: Sequence[int], c: float = ENET_C) -> list[float]:
    """``1 / ln(c + f_k)`` of the pixel counts (K,) (f_k = count_k / sum); rounded to 4
    decimals."""
    counts = np.asarray(counts, dtype=np.float64)
    if counts.sum() <= 0:
        raise InputError('no labeled pixel in the training labels: check the split and its '
                         'label files')
    if c <= 1:
        raise ConfigError(f'--c must be > 1 (ln(c) > 0 bounds the weights), got {c}')
    freq = counts / counts.sum()
    return [round(1.0 / math.log(c + f), 4) for f in freq]


def count_class_pixels(cfg, split: str = 'train', max_images: int | None = None
                       ) -> tuple[np.ndarray, list[str]]:
    """Pixels per class over the label maps of ``<split>_dataloader.dataset``, read by its own
    pipeline up to its label loader (the images are loaded too when the loader needs their
    size). Returns ``(counts (K,), class names)``."""
    from mmseg.registry import DATASETS

    loader = cfg.get(f'{split}_dataloader')
    if not loader:
        raise ConfigError(f'{cfg.filename}: no {split}_dataloader: pick --split train|val|test')
    dataset_cfg = dict(loader['dataset'])
    pipeline = list(dataset_cfg.get('pipeline') or [])
    stop = next((i for i, t in enumerate(pipeline) if t.get('type') in LABEL_LOADERS), None)
    if stop is None:
        raise ConfigError(f'{cfg.filename}: {split}_dataloader.dataset.pipeline has no label '
                          f'loader ({" or ".join(LABEL_LOADERS)}); class weights need seg labels')
    dataset_cfg['pipeline'] = pipeline[:stop + 1]
    dataset = DATASETS.build(dataset_cfg)
    classes = list(dataset.metainfo['classes'])
    ignore = getattr(dataset, 'ignore_index', 255)
    counts = np.zeros(len(classes), dtype=np.int64)
    num = len(dataset) if max_images is None else min(max_images, len(dataset))
    for i in range(num):
        label = np.asarray(dataset[i]['gt_seg_map'])
        values = label[label != ignore].ravel()
        if values.size and values.max() >= len(classes):
            raise InputError(f'{dataset.get_data_info(i).get("seg_map_path", i)}: class id '
                             f'{int(values.max())} but the dataset has {len(classes)} classes')
        counts += np.bincount(values, minlength=len(classes))[:len(classes)]
    return counts, classes


def child_config(config: str, out: str, weights: list[float], command: str) -> str:
    """Text of a config inheriting ``config`` with the heads' class weights set."""
    base = osp.relpath(osp.abspath(config), osp.dirname(osp.abspath(out)))
    return (f'# Class weights from the training labels\' pixel frequencies, ENet\'s\n'
            f'# 1 / ln(1.02 + f), written by:\n#   {command}\n'
            f"_base_ = ['{base}']\n\n"
            f'class_weight = {weights}\n'
            f'model = dict(\n'
            f'    decode_head=dict(loss_decode=dict(class_weight=class_weight)),\n'
            f'    auxiliary_head=dict(loss_decode=dict(class_weight=class_weight)))\n')


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='downstream config (its dataloader names the labels)')
    parser.add_argument('--split', default='train', help='which dataloader (default: train)')
    parser.add_argument('--max-images', type=int, default=None,
                        help='count the first N images only (default: all)')
    parser.add_argument('--c', type=float, default=ENET_C, help='ENet\'s c (default 1.02)')
    parser.add_argument('--out', default=None, help='write a child config with the weights')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default=None,
                        help='override config settings, e.g. '
                        'train_dataloader.dataset.data_root=DIR')
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    counts, classes = count_class_pixels(cfg, args.split, args.max_images)
    weights = enet_class_weights(counts, args.c)
    total = int(counts.sum())
    print(f'{"class":<20} {"pixels":>12} {"fraction":>9} {"weight":>8}')
    for name, count, weight in zip(classes, counts, weights):
        print(f'{name:<20} {int(count):>12} {count / total:>9.5f} {weight:>8.4f}')
    weight_text = '[' + ','.join(str(w) for w in weights) + ']'
    print(f'--cfg-options model.decode_head.loss_decode.class_weight="{weight_text}" '
          f'model.auxiliary_head.loss_decode.class_weight="{weight_text}"')
    if args.out:
        command = ' '.join(['python tools/class_weights.py', *(argv if argv is not None
                                                               else sys.argv[1:])])
        os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
        with open(args.out, 'w') as f:
            f.write(child_config(args.config, args.out, weights, command))
        print(f'wrote {args.out}')
    return dict(classes=classes, counts=counts.tolist(), weights=weights)


if __name__ == '__main__':
    sys.exit(run_tool(main))
