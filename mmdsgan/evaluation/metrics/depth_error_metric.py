"""Depth errors of HandsOff's tables (mNMSE, RMSE, RMSE-log) on top of MMSeg's DepthMetric."""
from __future__ import annotations

from typing import Dict, Optional, Sequence

import torch
from mmseg.evaluation.metrics import DepthMetric
from mmseg.registry import METRICS


@METRICS.register_module()
class DepthErrorMetric(DepthMetric):
    """MMSeg's :class:`~mmseg.evaluation.DepthMetric` plus the normalised MSE of HandsOff.

    Reads ``pred_depth_map`` and ``gt_depth_map`` (``(1, H, W)`` or ``(H, W)``) from each data
    sample, as MMSeg's depth estimators and our interpreter's depth task write them. Pixels with
    ``min_depth_eval < gt < max_depth_eval`` count. Every metric is computed per image and then
    averaged over images (MMSeg's convention):

    - ``nmse``: ``sum((pred - gt)^2) / sum(gt^2)``; its image mean is HandsOff's mNMSE;
    - ``rmse``: ``sqrt(mean((pred - gt)^2))``; ``rmse_log``: the same on natural logs;
    - MMSeg's ``d1, d2, d3, abs_rel, sq_rel, log10, silog``.

    Args:
        depth_metrics: names among :attr:`METRICS` to report (default: all).
        clamp: ``(low, high)``: clamp prediction and ground truth of the counted pixels to this
            range before the errors, as HandsOff does for Cityscapes depth (``(1e-3, 80)``
            meters); None (default) leaves them as they are. Unlike ``max_depth_eval``, which
            drops far pixels, a clamp keeps them with their error capped.
        min_depth_eval, max_depth_eval, crop_type, depth_scale_factor, collect_device,
        output_dir, format_only, prefix: as for :class:`mmseg.evaluation.DepthMetric`.
    """

    METRICS = DepthMetric.METRICS + ('nmse',)

    def __init__(self, depth_metrics: Optional[Sequence[str]] = None,
                 clamp: Optional[Sequence[float]] = None, **kwargs) -> None:
        # mmseg 1.2.2's DepthMetric checks `isinstance(x, [tuple, list])`, a TypeError for any
        # list given; validate here and hand it None.
        super().__init__(depth_metrics=None, **kwargs)
        if clamp is not None and (len(clamp) != 2 or not 0 < clamp[0] < clamp[1]):
            raise ValueError(f'DepthErrorMetric.clamp: (low, high) with 0 < low < high, got '
                             f'{clamp!r}')
        self.clamp = None if clamp is None else (float(clamp[0]), float(clamp[1]))
        if depth_metrics is not None:
            unknown = sorted(set(depth_metrics) - set(self.METRICS))
            if unknown:
                raise ValueError(f'DepthErrorMetric.depth_metrics: unknown {unknown}; '
                                 f'choose from {self.METRICS}')
            self.metrics = tuple(depth_metrics)

    def _calc_all_metrics(self, gt_depth: torch.Tensor,
                          pred_depth: torch.Tensor) -> Dict[str, float]:
        if self.clamp is not None:
            gt_depth, pred_depth = gt_depth.clamp(*self.clamp), pred_depth.clamp(*self.clamp)
        values = DepthMetric._calc_all_metrics(gt_depth, pred_depth)
        values['nmse'] = (torch.sum((pred_depth - gt_depth) ** 2)
                          / torch.sum(gt_depth ** 2).clamp_min(1e-12)).item()
        return values

    def compute_metrics(self, results: list) -> Dict[str, float]:
        metrics = super().compute_metrics(results)
        return {k: v for k, v in metrics.items() if k in self.metrics}
