"""Invert real labeled images into the GAN (HandsOff) and write a LabeledLatentDataset folder.

Usage:
    python tools/invert.py CONFIG --data REAL_DIR --out DIR [--format mmseg|coco|car-parts|...]
        [--split train] [--ids FILE|ID,ID,...] [--task seg|depth|keypoints] [--device cpu|cuda]
        [--cfg-options KEY=VALUE ...]

CONFIG has ``model`` (generator + encoder, e.g. inherited from the encoder training config),
``inversion`` (steps, lr, loss weights, LPIPS, encoder checkpoint, batch size) and optionally
``real_data`` (classes, palette, depth_scale, keypoints, category_map, ann_file overriding what
REAL_DIR says; class_merge: target class -> source classes, as in the dataset configs). Images and
labels are fitted to the generator's resolution (shorter side, centre crop; labels nearest), or to
its content window when ``inversion.crop`` is set (LSUN-car: 512x384, padded into the 512x512 frame
for inversion; files are written at the window's size). DIR receives latents/, labels/, images/
(reconstructions), previews/ (real | reconstruction | label overlay), metrics/, metainfo.json,
report.json and report.md; see docs/inversion.md. Re-running resumes (images whose latent exists are
skipped) only a folder made from the same data, generator, encoder and settings; anything else is
refused unless --force.
"""
from __future__ import annotations

import argparse
import sys
import os.path as osp

import numpy as np
import torch
from mmengine.config import DictAction
from mmengine.utils import ProgressBar

import mmdsgan  # noqa: F401  registers modules and safe checkpoint loading
from mmdsgan.datasets.labeled_latent_writer import LabeledLatentWriter
from mmdsgan.datasets.real_labeled import FORMATS, REGISTERED_FORMATS, read_real_labeled
from mmdsgan.datasets.sample_ids import read_sample_ids
from mmdsgan.models.crop import CROP_KEYS
from mmdsgan.models.inversion import build_inverter
from mmdsgan.tasks import task_names
from mmdsgan.utils.config import load_config
from mmdsgan.utils.errors import ConfigError, InputError, run_tool
from mmdsgan.utils.io import sha256_file


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='inversion config (model + inversion settings)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default=None,
                        help='override config settings, e.g. inversion.steps=100 '
                        'inversion.use_lpips=False model.generator_checkpoint=G.pkl')
    parser.add_argument('--data', required=True, help='real labeled dataset root')
    parser.add_argument('--out', required=True, help='LabeledLatentDataset folder to write')
    parser.add_argument('--format', choices=[*FORMATS, *REGISTERED_FORMATS], default='mmseg',
                        help='layout of --data (default: mmseg); coco: --data may be the json; '
                        'car-parts, celebamask-hq, cityscapes, deepfashion-mm: the dataset as '
                        'shipped, --split its own split name (docs/real_datasets.md)')
    parser.add_argument('--split', default='train', help='split to invert (default: train)')
    parser.add_argument('--ids', default=None,
                        help='invert only these samples of the split: a text file with one '
                        'sample id (file stem) per line, or ids separated by commas '
                        '(default: every sample of the split)')
    parser.add_argument('--task', choices=task_names(), default='seg',
                        help='which labels to carry over (default: seg)')
    parser.add_argument('--force', action='store_true',
                        help='start over in --out even if it holds another run or other files '
                        '(files of an earlier inversion there are deleted first)')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu',
                        help='torch device (default: cuda when available)')
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    cfg = load_config(args.config, args.cfg_options)
    real = read_real_labeled(args.data, args.format, args.split, args.task,
                             cfg.get('real_data'))
    selected = _selected_ids(args.ids, real.ids, args.data, args.split)
    inverter, settings = build_inverter(cfg, args.device)
    size = inverter.generator.img_resolution
    fit_h, fit_w = inverter.fit_size  # (size, size), or model.crop's window
    writer = LabeledLatentWriter(
        args.out, real.task, real.classes, real.palette, real.depth_scale,
        source=dict(data=osp.abspath(args.data), format=args.format, split=args.split,
                    **({} if selected is None else {'ids': sorted(selected)})),
        made_by=_made_by(cfg, settings, size, inverter.region), force=args.force)
    wanted = [i for i, sample_id in enumerate(real.ids)
              if selected is None or sample_id in selected]
    pending = [i for i in wanted if not writer.is_done(real.ids[i])]
    print(f'{len(wanted)} images in {args.data} ({args.split}); {len(wanted) - len(pending)} done '
          f'earlier, inverting {len(pending)} at {fit_w}x{fit_h} on {args.device}')
    bar = ProgressBar(len(pending)) if pending else None
    batch_size = settings['batch_size']  # checked by build_inverter: >= 1
    for start in range(0, len(pending), batch_size):
        samples = [real.load(i, (fit_h, fit_w)) for i in pending[start:start + batch_size]]
        result = inverter.invert(np.stack([s.image for s in samples]))  # (N, H, W, 3)
        for k, sample in enumerate(samples):
            metrics = dict(source=sample.image_path, psnr=_number(result.psnr[k]),
                           start_psnr=_number(result.start_psnr[k]),
                           lpips=None if result.lpips is None else float(result.lpips[k]))
            writer.write(sample.id, result.ws[k], sample.label, sample.image, result.recon[k],
                         metrics)
            bar.update()
    if bar is not None:
        print()
    report = writer.write_report(
        [i for i in real.ids if (selected is None or i in selected) and writer.is_done(i)],
        dict(settings, config=args.config, generator=cfg.model.get('generator_checkpoint'),
             task=real.task, resolution=size))
    print(f'wrote {report["num_images"]} samples to {args.out}: mean PSNR '
          f'{report["mean_psnr"]} dB, mean LPIPS {report["mean_lpips"]} (report.md)')
    return report


def _made_by(cfg, settings: dict, size: int, region=None) -> dict:
    """What the written latents depend on besides the data: the generator file (by content),
    the encoder checkpoint, every inversion setting and the crop window (when set)."""
    generator = cfg.model.get('generator_checkpoint')
    encoder = settings.get('encoder_checkpoint')
    made_by = dict(generator_sha256=sha256_file(generator) if generator else None,
                   encoder_sha256=sha256_file(encoder) if encoder else None,
                   resolution=size,
                   inversion={k: v for k, v in sorted(settings.items())
                              if k not in ('encoder_checkpoint', 'crop')})
    if region is not None:  # absent otherwise: folders made before crops existed still resume
        made_by['crop'] = dict(zip(CROP_KEYS, region))
    return made_by


def _selected_ids(ids: str | None, available: list[str], data: str,
                  split: str) -> set[str] | None:
    """The sample ids named by ``--ids`` (a file of one id per line, or a comma list), checked
    against the split; None without ``--ids``."""
    if ids is None:
        return None
    try:
        names = read_sample_ids(ids)
    except InputError as err:
        raise ConfigError(f'--ids {ids}: names no sample id') from err
    unknown = sorted(set(names) - set(available))
    if unknown:
        raise ConfigError(f'--ids: {len(unknown)} id(s) not in split {split!r} of {data}, e.g. '
                          f'{unknown[0]!r} (ids are the file stems)')
    return set(names)


def _number(value: float) -> float | None:
    """JSON-safe float (an exact reconstruction has infinite PSNR: stored as None)."""
    return float(value) if np.isfinite(value) else None


if __name__ == '__main__':
    sys.exit(run_tool(main))
