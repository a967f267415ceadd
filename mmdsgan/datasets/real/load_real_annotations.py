"""``LoadRealAnnotations``: MMSeg's ``LoadAnnotations`` for the datasets of
:mod:`mmdsgan.datasets.real`, whose labels are not one ready class-index PNG per image."""
from __future__ import annotations

from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS

from .label_readers import read_real_label

__all__ = ['LoadRealAnnotations']


@TRANSFORMS.register_module()
class LoadRealAnnotations(BaseTransform):
    """Load ``gt_seg_map`` (uint8 target classes, the image's original size) of a real sample.

    Put it after ``LoadImageFromFile`` (it sizes the label to ``ori_shape``), where MMSeg
    pipelines have ``LoadAnnotations``. The label is read, fitted to the image and merged as
    :func:`~.label_readers.read_real_label` says.

    Required keys: ``real_label``, ``class_merge``, ``ori_shape`` (or ``img_shape``).
    Added keys: ``gt_seg_map``; ``seg_fields`` gets ``'gt_seg_map'``.
    """

    def transform(self, results: dict) -> dict:
        shape = results.get('ori_shape') or results['img_shape']
        results['gt_seg_map'] = read_real_label(results, shape)
        results.setdefault('seg_fields', []).append('gt_seg_map')
        return results
