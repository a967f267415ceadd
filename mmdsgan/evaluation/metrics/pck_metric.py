"""Percentage of Correct Keypoints (PCK) at several thresholds."""
from __future__ import annotations

import os
import os.path as osp
from typing import Dict, Sequence

import numpy as np
from mmengine.evaluator import BaseMetric
from mmseg.registry import METRICS

from mmdsgan.tasks.keypoints import keypoints_json
from mmdsgan.utils.io import atomic_write


@METRICS.register_module()
class PCKMetric(BaseMetric):
    """PCK@alpha: the share of labeled keypoints predicted within ``alpha * norm`` pixels.

    Each data sample carries ``pred_keypoints`` (K, 2) as (x, y) pixels and ``gt_keypoints``
    (K, 3) as (x, y, visibility); keypoints with visibility 0 are not counted. ``norm`` is the
    larger image side (``normalize='image'``, HandsOff's face keypoints), or the larger side of
    the box around the visible ground-truth keypoints (``'bbox'``). Counts are pooled over all
    keypoints of all images; reported in percent as ``PCK@<alpha>``.

    Args:
        alphas: thresholds as fractions of ``norm``. Default ``(0.1, 0.05, 0.02)``.
        normalize: ``'image'`` or ``'bbox'``.
        output_dir: also write each image's predicted keypoints as
            ``<output_dir>/<image stem>.json`` (the keypoints label format, ``v = 2``), as
            ``tools/test.py --out`` asks.
        keep_results: what ``tools/test.py --out`` passes to MMSeg's metrics; here the
            predictions are always scored, so it changes nothing.
        collect_device, prefix: as for :class:`mmengine.evaluator.BaseMetric`.
    """

    default_prefix = None

    def __init__(self, alphas: Sequence[float] = (0.1, 0.05, 0.02), normalize: str = 'image',
                 output_dir: str | None = None, keep_results: bool = True,
                 collect_device: str = 'cpu',
                 prefix: str | None = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if normalize not in ('image', 'bbox'):
            raise ValueError(f"PCKMetric.normalize must be 'image' or 'bbox', got {normalize!r}")
        self.alphas = tuple(float(a) for a in alphas)
        self.normalize = normalize
        self.output_dir = output_dir
        if output_dir:
            os.makedirs(output_dir, exist_ok=True)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        for sample in data_samples:
            pred = np.asarray(_to_numpy(sample['pred_keypoints']), dtype=np.float64)[:, :2]
            gt = np.asarray(_to_numpy(sample['gt_keypoints']), dtype=np.float64)  # (K, 3)
            if pred.shape[0] != gt.shape[0]:
                raise ValueError(f'PCKMetric: {pred.shape[0]} predicted keypoints but '
                                 f'{gt.shape[0]} ground-truth ones in {sample.get("img_path")}')
            visible = gt[:, 2] > 0
            if self.normalize == 'image':
                norm = float(max(sample['ori_shape'][:2]))
            else:
                span = gt[visible, :2].max(0) - gt[visible, :2].min(0) if visible.any() else [1]
                norm = float(max(max(span), 1.0))
            dist = np.linalg.norm(pred - gt[:, :2], axis=1)[visible] / norm  # (K_visible,)
            self.results.append(dist)
            if self.output_dir and sample.get('img_path'):
                self._write(sample['img_path'], pred, sample['ori_shape'][:2])

    def _write(self, img_path: str, pred: np.ndarray, size) -> None:
        stem = osp.splitext(osp.basename(img_path))[0]
        atomic_write(osp.join(self.output_dir, f'{stem}.json'),
                     keypoints_json(pred, tuple(size)).encode())

    def compute_metrics(self, results: list) -> Dict[str, float]:
        dist = np.concatenate(results) if results else np.zeros(0)
        if dist.size == 0:
            return {f'PCK@{a:g}': float('nan') for a in self.alphas}
        return {f'PCK@{a:g}': float(100.0 * np.mean(dist <= a)) for a in self.alphas}


def _to_numpy(x):
    return x.detach().cpu().numpy() if hasattr(x, 'detach') else x
