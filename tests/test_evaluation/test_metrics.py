"""Depth and keypoint metrics against values computed by hand."""
from __future__ import annotations

import math

import pytest
import torch

import mmdsgan  # noqa: F401
from mmseg.registry import METRICS


def _depth_sample(pred, gt):
    return dict(pred_depth_map=dict(data=torch.tensor(pred)[None]),
                gt_depth_map=dict(data=torch.tensor(gt)[None]))


def test_depth_errors_by_hand():
    metric = METRICS.build(dict(type='DepthErrorMetric', depth_metrics=['nmse', 'rmse',
                                                                        'rmse_log', 'abs_rel']))
    # Image 1: gt [1, 2, 4, 0(invalid)], pred [2, 2, 2, 9] -> valid pixels 0..2.
    # Image 2: gt [1, 1], pred [1, 1] -> all errors 0.
    metric.process({}, [_depth_sample([[2., 2.], [2., 9.]], [[1., 2.], [4., 0.]]),
                        _depth_sample([[1., 1.]], [[1., 1.]])])
    out = metric.compute_metrics(metric.results)
    assert set(out) == {'nmse', 'rmse', 'rmse_log', 'abs_rel'}
    # image 1: sq errors 1, 0, 4 -> nmse 5/21, rmse sqrt(5/3); logs: ln2, 0, -ln2
    assert out['nmse'] == pytest.approx((5 / 21 + 0) / 2, abs=1e-6)
    assert out['rmse'] == pytest.approx((math.sqrt(5 / 3) + 0) / 2, abs=1e-6)
    assert out['rmse_log'] == pytest.approx((math.sqrt(2 * math.log(2) ** 2 / 3)) / 2, abs=1e-6)
    assert out['abs_rel'] == pytest.approx(((1 + 0 + 0.5) / 3) / 2, abs=1e-6)


def test_depth_clamp_caps_far_pixels():
    """clamp=(1e-3, 80) (HandsOff's Cityscapes rule): gt 200 m, pred 100 m counts as 80 vs 80
    (no error), gt 10 vs pred 0 as 10 vs 1e-3; without the clamp the far pixel's error counts."""
    sample = _depth_sample([[100., 0.]], [[200., 10.]])
    clamped = METRICS.build(dict(type='DepthErrorMetric', depth_metrics=['rmse'],
                                 clamp=(1e-3, 80)))
    clamped.process({}, [sample])
    assert clamped.compute_metrics(clamped.results)['rmse'] == pytest.approx(
        math.sqrt((10 - 1e-3) ** 2 / 2), rel=1e-5)
    plain = METRICS.build(dict(type='DepthErrorMetric', depth_metrics=['rmse']))
    plain.process({}, [sample])
    assert plain.compute_metrics(plain.results)['rmse'] == pytest.approx(
        math.sqrt((100 ** 2 + 10 ** 2) / 2), rel=1e-5)
    with pytest.raises(ValueError, match='clamp'):
        METRICS.build(dict(type='DepthErrorMetric', clamp=(80, 1)))


def test_depth_metric_rejects_unknown_names():
    with pytest.raises(ValueError, match='depth_metrics: unknown'):
        METRICS.build(dict(type='DepthErrorMetric', depth_metrics=['mnmse']))


def _kp_sample(pred, gt, shape=(100, 50)):
    return dict(pred_keypoints=torch.tensor(pred), gt_keypoints=torch.tensor(gt),
                ori_shape=shape)


def test_pck_by_hand():
    metric = METRICS.build(dict(type='PCKMetric', alphas=(0.1, 0.05, 0.02)))
    gt = [[10., 10., 2.], [20., 20., 2.], [30., 30., 2.], [40., 40., 0.]]
    # norm = 100 (larger side): distances 1, 4, 9 -> /100 = .01, .04, .09; the 4th is invisible.
    pred = [[11., 10.], [20., 24.], [30., 39.], [0., 0.]]
    metric.process({}, [_kp_sample(pred, gt)])
    out = metric.compute_metrics(metric.results)
    assert out == pytest.approx({'PCK@0.1': 100.0, 'PCK@0.05': 200 / 3, 'PCK@0.02': 100 / 3})


def test_pck_bbox_normalisation():
    metric = METRICS.build(dict(type='PCKMetric', alphas=(0.1,), normalize='bbox'))
    gt = [[0., 0., 2.], [10., 0., 2.]]  # bbox side 10 -> threshold 1 pixel
    metric.process({}, [_kp_sample([[0.5, 0.], [12., 0.]], gt)])
    assert metric.compute_metrics(metric.results) == {'PCK@0.1': 50.0}


def _iou_metric(**kwargs):
    metric = METRICS.build(dict(type='PerClassIoUMetric', **kwargs))
    metric.dataset_meta = dict(classes=('bg', 'a', 'b'))
    return metric


def _seg_sample(pred, gt):
    return dict(pred_sem_seg=dict(data=torch.tensor(pred)[None]),
                gt_sem_seg=dict(data=torch.tensor(gt)[None]))


def test_per_class_iou_by_hand_and_absent_conventions():
    # bg: inter 2, union 3 -> 2/3; a: inter 1, union 2 -> 1/2; b: absent everywhere.
    sample = _seg_sample([[0, 0, 1, 1]], [[0, 0, 0, 1]])
    nan_metric = _iou_metric()
    nan_metric.process({}, [sample])
    out = nan_metric.compute_metrics(nan_metric.results)
    assert out['IoU.bg'] == pytest.approx(66.67) and out['IoU.a'] == pytest.approx(50.0)
    assert math.isnan(out['IoU.b'])
    assert out['mIoU'] == pytest.approx(round((2 / 3 + 1 / 2) / 2 * 100, 2))
    zero_metric = _iou_metric(absent='zero')
    zero_metric.process({}, [sample])
    out = zero_metric.compute_metrics(zero_metric.results)
    assert out['IoU.b'] == 0.0
    assert out['mIoU'] == pytest.approx(round((2 / 3 + 1 / 2) / 3 * 100, 2))


def test_folds_split_select_and_eval():
    metric = _iou_metric(folds=2, fold_seed=0)
    perfect, wrong = _seg_sample([[0, 1]], [[0, 1]]), _seg_sample([[1, 0]], [[0, 1]])
    metric.process({}, [perfect, wrong])
    out = metric.compute_metrics(metric.results)
    # Each fold holds one image: select on it, evaluate on the other.
    pairs = {(out['fold0.select_mIoU'], out['fold0.eval_mIoU']),
             (out['fold1.select_mIoU'], out['fold1.eval_mIoU'])}
    assert pairs == {(100.0, 0.0), (0.0, 100.0)}
