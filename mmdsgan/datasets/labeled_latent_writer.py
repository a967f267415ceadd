"""Write inverted real images as a :class:`~.labeled_latent_dataset.LabeledLatentDataset` folder.

Per sample ``<id>`` (each file written with :func:`mmdsgan.utils.io.atomic_write`, so a file that
exists is complete; the latent is written last, so its presence marks a finished sample)::

    labels/<id>.png      seg: palette PNG of class ids; depth: 16-bit PNG
                         (value = round(depth * depth_scale))
    labels/<id>.json     keypoints: {"height": R, "width": R, "keypoints": [[x, y, v], ...]}
    images/<id>.png      the reconstruction G(w+)
    previews/<id>.png    real | reconstruction | label overlay, side by side
    metrics/<id>.json    {"id", "source", "psnr", "lpips"}
    latents/<id>.npy     w+ (num_ws, w_dim) float32

plus ``metainfo.json`` (classes, palette, task, latent_type "wplus", keypoints, depth_scale,
and what the files depend on: ``kind``, ``source``, ``made_by``) and, from
:meth:`LabeledLatentWriter.write_report`, ``report.json`` / ``report.md``.
"""
from __future__ import annotations

import json
import math
import os
import os.path as osp
from typing import Any, Sequence

import numpy as np

from mmdsgan.tasks import get_task
from mmdsgan.tasks.seg import default_palette
from mmdsgan.utils.io import atomic_write, npy_bytes, png_bytes

from .folder_claim import FolderClaimError, claim_folder, prepare_folders
from .label_io import META_NAME, LabelFileError, read_meta, write_meta

__all__ = ['LabeledLatentWriter', 'KIND']

#: the meta file's ``kind`` of a folder written by :class:`LabeledLatentWriter`.
KIND = 'mmdsgan.labeled_latents'
SUBFOLDERS = ('latents', 'labels', 'images', 'previews', 'metrics')


class LabeledLatentWriter:
    """Writes samples and the report into ``out_dir`` (layout in the module doc).

    Args:
        out_dir: output folder (created; an earlier run's folder is resumed if its
            metainfo.json matches).
        task: 'seg', 'depth' or 'keypoints'.
        classes: class names (seg), ['depth'], or keypoint names.
        palette: [r, g, b] per class (seg); None = a fixed default palette.
        depth_scale: PNG value per depth unit (depth).
        source: the real data (e.g. its folder, format and split).
        made_by: what else the files depend on (generator file hash, inversion settings).
        force: start over in a folder that holds anything else; files of an earlier
            labeled-latent run there are deleted first, nothing else is.

    ``source`` and ``made_by`` are stored in ``metainfo.json``; a folder is resumed only when
    they, the task and the classes are the same, and a non-empty folder that is not a
    labeled-latent folder is refused (:class:`~mmdsgan.tasks.LabelFileError`) unless
    ``force``.
    """

    def __init__(self, out_dir: str, task: str, classes: Sequence[str],
                 palette: Sequence[Sequence[int]] | None = None, depth_scale: float = 1.0,
                 source: dict[str, Any] | None = None, made_by: dict[str, Any] | None = None,
                 force: bool = False) -> None:
        self.out_dir, self.task = out_dir, get_task(task)
        self.palette = [list(c) for c in (palette or default_palette(len(classes)))]
        self.depth_scale = float(depth_scale)
        meta = dict(classes=list(classes), task=self.task.name, latent_type='wplus',
                    **self.task.meta_entries(classes, self.palette, self.depth_scale))
        # The meta file is the fingerprint: a folder made from other data, another generator or
        # other settings is never resumed (its latents would be mixed with this run's).
        fingerprint = dict(meta, kind=KIND, source=source or {}, made_by=made_by or {})
        ours = self._claim(fingerprint, force)
        subfolders = [osp.join(out_dir, sub) for sub in SUBFOLDERS]
        if force and ours:
            self._remove_own_files(subfolders)
        prepare_folders(out_dir, subfolders, root_files=(META_NAME, 'report.json', 'report.md'))
        write_meta(out_dir, fingerprint)

    def _claim(self, fingerprint: dict, force: bool) -> bool:
        """Claim the folder (:func:`~.folder_claim.claim_folder`); True when it already holds
        a labeled-latent folder (so its sub-folders hold only files of this writer)."""
        try:
            claim_folder(self.out_dir, META_NAME, KIND, fingerprint, force,
                         tool_hint='use another --out, or pass --force to start over in it',
                         who='LabeledLatentWriter')
        except FolderClaimError as err:
            raise LabelFileError(str(err)) from err
        try:
            return read_meta(self.out_dir).get('kind') == KIND
        except LabelFileError:
            return False

    def _remove_own_files(self, subfolders: list[str]) -> None:
        """Start over in an earlier run's folder: delete the per-sample files it wrote."""
        for folder in subfolders:
            if osp.isdir(folder):
                for name in os.listdir(folder):
                    if osp.splitext(name)[1] in ('.npy', '.png', '.json'):
                        os.remove(osp.join(folder, name))

    def is_done(self, sample_id: str) -> bool:
        """The sample's latent exists (it is written last)."""
        return osp.isfile(self._path('latents', sample_id, '.npy'))

    def write(self, sample_id: str, ws: np.ndarray, label: np.ndarray, real: np.ndarray,
              recon: np.ndarray, metrics: dict[str, Any]) -> None:
        """Write one sample.

        Args:
            ws: (num_ws, w_dim) w+.
            label: seg (R, R) class ids; depth (R, R) float depth; keypoints (K, 3).
            real: (R, R, 3) uint8 fitted real image; recon: (R, R, 3) uint8 reconstruction.
            metrics: per-image numbers for the report.
        """
        atomic_write(self._path('labels', sample_id, self.task.label_ext),
                     self.task.encode(label, real.shape[:2], self.palette, self.depth_scale))
        atomic_write(self._path('images', sample_id, '.png'), png_bytes(recon))
        preview = np.concatenate([real, recon, self.task.overlay(real, label, self.palette,
                                                                 self.depth_scale)], axis=1)
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
