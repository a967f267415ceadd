"""mIoU with per-class values, a stated absent-class convention, and DatasetGAN's folds."""
from __future__ import annotations

from typing import Dict, Optional

import numpy as np
import torch
from mmseg.evaluation.metrics import IoUMetric
from mmseg.registry import METRICS


@METRICS.register_module()
class PerClassIoUMetric(IoUMetric):
    """MMSeg's :class:`~mmseg.evaluation.IoUMetric` that also returns ``IoU.<class>`` values.

    IoU is accumulated over the whole dataset (intersections and unions summed over images, then
    divided), background included. A class absent from both prediction and ground truth has an
    undefined IoU; ``absent='nan'`` leaves it out of the mean (MMSeg's convention), ``'zero'``
    counts it as 0 (DatasetGAN's).

    With ``folds=k``, the images are split into k folds by a seeded permutation, and for each
    fold f it also returns ``fold<f>.select_mIoU`` (on fold f) and ``fold<f>.eval_mIoU`` (on the
    other k-1 folds): DatasetGAN's cross-validation picks the checkpoint with the best
    ``select`` value per fold and reports its ``eval`` value.

    Args:
        absent: ``'nan'`` or ``'zero'``, see above.
        folds: number of folds (``None``: no folds).
        fold_seed: seed of the fold permutation.
        **kwargs: :class:`mmseg.evaluation.IoUMetric` arguments (``ignore_index``, ...).
    """

    def __init__(self, absent: str = 'nan', folds: Optional[int] = None, fold_seed: int = 0,
                 **kwargs) -> None:
        kwargs.setdefault('iou_metrics', ['mIoU'])
        super().__init__(**kwargs)
        if absent not in ('nan', 'zero'):
            raise ValueError(f"PerClassIoUMetric.absent must be 'nan' or 'zero', got {absent!r}")
        if folds is not None and folds < 2:
            raise ValueError(f'PerClassIoUMetric.folds must be >= 2 or None, got {folds}')
        self.absent, self.folds, self.fold_seed = absent, folds, fold_seed

    def _iou(self, results: list) -> np.ndarray:
        """Per-class IoU (K,) of the summed areas of ``results``."""
        inter = sum(r[0] for r in results).double()
        union = sum(r[1] for r in results).double()
        iou = torch.where(union > 0, inter / union.clamp_min(1), torch.nan).numpy()
        return np.nan_to_num(iou, nan=0.0) if self.absent == 'zero' else iou

    def compute_metrics(self, results: list) -> Dict[str, float]:
        metrics = super().compute_metrics(results)
        iou = self._iou(results)
        metrics['mIoU'] = float(np.round(np.nanmean(iou) * 100, 2))
        for name, value in zip(self.dataset_meta['classes'], iou):
            metrics[f'IoU.{name}'] = float(np.round(value * 100, 2))
        if self.folds:
            order = np.random.default_rng(self.fold_seed).permutation(len(results))
            for f, held in enumerate(np.array_split(order, self.folds)):
                rest = np.setdiff1d(order, held)
                metrics[f'fold{f}.select_mIoU'] = float(
                    np.nanmean(self._iou([results[i] for i in held])) * 100)
                metrics[f'fold{f}.eval_mIoU'] = float(
                    np.nanmean(self._iou([results[i] for i in rest])) * 100)
        return metrics
