"""Packing keypoint labels for a downstream keypoint model (MMSeg's ``PackSegInputs`` + them)."""
from __future__ import annotations

import numpy as np
from mmseg.datasets.transforms import PackSegInputs
from mmseg.registry import TRANSFORMS

from mmdsgan.tasks import get_task
from mmdsgan.utils.errors import ConfigError

__all__ = ['PackKeypointInputs']


@TRANSFORMS.register_module()
class PackKeypointInputs(PackSegInputs):
    """MMSeg's ``PackSegInputs``, plus ``results['gt_keypoints']`` (K, 3) ``(x, y, v)`` as the
    sample's ``gt_keypoints`` tensor (K, 3) float32 (the keypoints task's packing).

    Keypoints stay in the pixels of the original image (``ori_shape``, pixel centres at
    integers): the keypoint head maps them to its input grid from ``ori_shape`` /
    ``img_shape``, and predictions are decoded at ``ori_shape``, so a ``Resize`` needs nothing
    here. A flip would swap left and right keypoints and is refused.

    Args:
        meta_keys: as :class:`mmseg.datasets.transforms.PackSegInputs`.
    """

    def transform(self, results: dict) -> dict:
        if 'gt_keypoints' not in results:
            raise ConfigError('PackKeypointInputs: the results have no "gt_keypoints"; use a '
                              'keypoint dataset (SyntheticKeypointDataset, '
                              'ToyFacesKeypointDataset, OnTheFlySyntheticDataset with a '
                              'keypoints interpreter)')
        if results.get('flip'):
            raise ConfigError('PackKeypointInputs: the image was flipped, which would swap left '
                              'and right keypoints; remove RandomFlip from the keypoint pipeline')
        packed = super().transform(results)
        get_task('keypoints').pack_ground_truth(
            packed['data_samples'], np.asarray(results['gt_keypoints'], np.float32))
        return packed
