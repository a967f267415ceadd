"""Write inverted real images as a :class:`~.labeled_latent_dataset.LabeledLatentDataset` folder.

Per sample ``<id>`` (each file written with :func:`mmdsgan.utils.io.atomic_write`, so a file that
exists is complete; the latent is written last, so its presence marks a finished sample)::

    labels/<id>.png      seg: palette PNG of class ids; depth: 16-bit PNG (raw input values)
    labels/<id>.json     keypoints: {"width": R, "height": R, "keypoints": [[x, y, v], ...]}
    images/<id>.png      the reconstruction G(w+)
    previews/<id>.png    real | reconstruction | label overlay, side by side
    metrics/<id>.json    {"id", "source", "psnr", "lpips"}
    latents/<id>.npy     w+ (num_ws, w_dim) float32

plus ``meta.json`` (classes, palette, task, latent_type "wplus", keypoints, depth_scale) and, from
:meth:`LabeledLatentWriter.write_report`, ``report.json`` / ``report.md``.
"""
from __future__ import annotations

import json
import math
import os
import os.path as osp
from typing import Any, Sequence

import numpy as np
from PIL import Image, ImageDraw

from mmdsgan.utils.io import atomic_write, npy_bytes, png_bytes, remove_stale_temporaries

from .label_io import LabelFileError, read_meta, write_meta
from .labeled_latent_dataset import default_palette

__all__ = ['LabeledLatentWriter', 'label_overlay']

OVERLAY_ALPHA = 0.5


class LabeledLatentWriter:
    """Writes samples and the report into ``out_dir`` (layout in the module doc).

    Args:
        out_dir: output folder (created; an earlier run's folder is resumed if its meta.json
            matches).
        task: 'seg', 'depth' or 'keypoints'.
        classes: class names (seg), ['depth'], or keypoint names.
        palette: [r, g, b] per class (seg); None = a fixed default palette.
        depth_scale: PNG value per depth unit (depth).
        source: provenance stored in meta.json (e.g. the real folder and split).
    """

    def __init__(self, out_dir: str, task: str, classes: Sequence[str],
                 palette: Sequence[Sequence[int]] | None = None, depth_scale: float = 1.0,
                 source: dict[str, Any] | None = None) -> None:
        self.out_dir, self.task = out_dir, task
        self.palette = [list(c) for c in (palette or default_palette(len(classes)))]
        meta = dict(classes=list(classes), task=task, latent_type='wplus')
        if task == 'seg':
            meta['palette'] = self.palette
        if task == 'keypoints':
            meta['keypoints'] = list(classes)
        if task == 'depth':
            meta['depth_scale'] = float(depth_scale)
        self._check_resumable(meta)
        for sub in ('latents', 'labels', 'images', 'previews', 'metrics'):
            os.makedirs(osp.join(out_dir, sub), exist_ok=True)
            remove_stale_temporaries(osp.join(out_dir, sub))  # left by an interrupted run
        write_meta(out_dir, dict(meta, source=source or {}))

    def _check_resumable(self, meta: dict) -> None:
        if not osp.isfile(osp.join(self.out_dir, 'meta.json')):
            return
        old = read_meta(self.out_dir)
        differs = [k for k in meta if old.get(k) != meta[k]]
        if differs:
            raise LabelFileError(f'{osp.join(self.out_dir, "meta.json")} belongs to another '
                                 f'dataset (differs in {differs}): give another --out, or delete '
                                 f'the folder to start again')

    def is_done(self, sample_id: str) -> bool:
        """The sample's latent exists (it is written last)."""
        return osp.isfile(self._path('latents', sample_id, '.npy'))

    def write(self, sample_id: str, ws: np.ndarray, label: np.ndarray, real: np.ndarray,
              recon: np.ndarray, metrics: dict[str, Any]) -> None:
        """Write one sample.

        Args:
            ws: (num_ws, w_dim) w+.
            label: seg (R, R) uint8; depth (R, R) uint16; keypoints (K, 3).
            real: (R, R, 3) uint8 fitted real image; recon: (R, R, 3) uint8 reconstruction.
            metrics: per-image numbers for the report.
        """
        if self.task == 'keypoints':
            size = real.shape[0]
            points = [[float(x), float(y), float(v)] for x, y, v in np.asarray(label)]
            atomic_write(self._path('labels', sample_id, '.json'), json.dumps(
                dict(width=size, height=size, keypoints=points)).encode())
        elif self.task == 'depth':
            atomic_write(self._path('labels', sample_id, '.png'),
                         png_bytes(np.asarray(label, dtype=np.uint16)))  # 16-bit grey
        else:  # palette PNG: pixel values stay the class ids
            atomic_write(self._path('labels', sample_id, '.png'),
                         png_bytes(np.asarray(label, dtype=np.uint8), self.palette))
        atomic_write(self._path('images', sample_id, '.png'), png_bytes(recon))
        preview = np.concatenate([real, recon, label_overlay(real, label, self.task,
                                                             self.palette)], axis=1)
        atomic_write(self._path('previews', sample_id, '.png'), png_bytes(preview))
        atomic_write(self._path('metrics', sample_id, '.json'),
                     json.dumps(dict(metrics, id=sample_id)).encode())
        atomic_write(self._path('latents', sample_id, '.npy'),
                     npy_bytes(np.asarray(ws, dtype=np.float32)))

    def write_report(self, ids: Sequence[str], settings: dict[str, Any]) -> dict[str, Any]:
        """``report.json`` + ``report.md`` over the finished samples ``ids``; returns the report.

        Fields: ``settings``, ``num_images``, ``mean_psnr``, ``mean_lpips`` (None without LPIPS),
        ``images``: the per-image metrics, e.g. {"id", "source", "psnr", "start_psnr",
        "lpips"} (a PSNR of None means an exact reconstruction and is left out of the mean).
        """
        rows = []
        for sample_id in ids:
            with open(self._path('metrics', sample_id, '.json')) as f:
                rows.append(json.load(f))
        psnrs = [r['psnr'] for r in rows if r.get('psnr') is not None]  # None: exact
        lpipss = [r['lpips'] for r in rows if r.get('lpips') is not None]
        report = dict(settings=settings, num_images=len(rows),
                      mean_psnr=float(np.mean(psnrs)) if psnrs else None,
                      mean_lpips=float(np.mean(lpipss)) if lpipss else None, images=rows)
        atomic_write(osp.join(self.out_dir, 'report.json'), json.dumps(report, indent=1).encode())
        atomic_write(osp.join(self.out_dir, 'report.md'), _markdown(report).encode())
        return report

    def _path(self, sub: str, sample_id: str, ext: str) -> str:
        return osp.join(self.out_dir, sub, sample_id + ext)


def label_overlay(image: np.ndarray, label: np.ndarray, task: str,
                  palette: Sequence[Sequence[int]]) -> np.ndarray:
    """(R, R, 3) uint8 view of a label over its image: seg colours blended at 50 %, depth as
    grey levels (near = bright) blended at 50 %, keypoints as palette-coloured dots."""
    base = image.astype(np.float32)
    if task == 'seg':
        colours = np.asarray(palette + [[255, 255, 255]] * 256, dtype=np.float32)[:256]
        top = colours[np.asarray(label, dtype=np.int64)]  # (R, R, 3)
    elif task == 'depth':
        depth = np.asarray(label, dtype=np.float32)
        known = depth > 0
        span = np.ptp(depth[known]) if known.any() else 0.0
        low = depth[known].min() if known.any() else 0.0
        grey = np.where(known, 255 * (1 - (depth - low) / (span or 1.0)), 0)
        top = np.repeat(grey[..., None], 3, axis=2)
    else:
        canvas = Image.fromarray(image.copy())
        draw = ImageDraw.Draw(canvas)
        radius = max(1.0, image.shape[0] / 64)
        for k, (x, y, v) in enumerate(np.asarray(label)):
            if v > 0:
                colour = tuple(int(c) for c in palette[k % len(palette)]) if palette else (255,) * 3
                draw.ellipse([x - radius, y - radius, x + radius, y + radius], fill=colour)
        return np.asarray(canvas)
    return np.clip((1 - OVERLAY_ALPHA) * base + OVERLAY_ALPHA * top, 0, 255).round().astype(
        np.uint8)


def _markdown(report: dict[str, Any]) -> str:
    def fmt(value: float | None) -> str:
        return '-' if value is None or not math.isfinite(value) else f'{value:.4f}'

    lines = ['# Inversion report', '',
             f'{report["num_images"]} images; mean PSNR {fmt(report["mean_psnr"])} dB, '
             f'mean LPIPS {fmt(report["mean_lpips"])}.', '',
             'Settings: ' + ', '.join(f'{k}={v}' for k, v in report['settings'].items()), '',
             '| id | PSNR (dB) | LPIPS | source |', '|---|---|---|---|']
    lines += [f'| {r["id"]} | {fmt(r["psnr"])} | {fmt(r.get("lpips"))} | {r.get("source", "")} |'
              for r in report['images']]
    return '\n'.join(lines) + '\n'
