"""Pipeline steps from a :class:`LabeledLatentDataset` record to the interpreter's inputs."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch
from mmcv.transforms import BaseTransform
from mmseg.registry import TRANSFORMS
from mmseg.structures import SegDataSample

from mmdsgan.tasks import get_task, task_names

from ..label_io import read_latent

__all__ = ['LoadLatent', 'LoadLabel', 'PackLatentInputs']


@TRANSFORMS.register_module()
class LoadLatent(BaseTransform):
    """Read ``results['latent_path']`` into ``results['latent']`` (float32 numpy: (D,) for
    z/w, (num_ws, w_dim) for w+) and set ``results['latent_type']`` (inferred if None)."""

    def transform(self, results: dict) -> dict:
        results['latent'], results['latent_type'] = read_latent(
            results['latent_path'], results.get('latent_type'))
        return results


@TRANSFORMS.register_module()
class LoadLabel(BaseTransform):
    """Read ``results['label_path']`` according to ``results['task']``.

    Adds ``gt_seg_map`` (H, W) int64 (seg), ``gt_depth_map`` (H, W) float32 (depth, 0 =
    unknown) or ``gt_keypoints`` (K, 3) float32 ``(x, y, visible)`` (keypoints), and
    ``ori_shape`` = the label's (H, W).

    Args:
        ignore_index: the seg label value that marks unlabeled pixels.
        min_class_pixels: seg only: a class with fewer pixels than this in an image is relabeled
            ``small_class_label`` (DatasetGAN relabels classes under 30 pixels to 0); 0 = off.
        small_class_label: the label given to such pixels.
    """

    def __init__(self, ignore_index: int = 255, min_class_pixels: int = 0,
                 small_class_label: int = 0) -> None:
        self.ignore_index = ignore_index
        self.min_class_pixels = min_class_pixels
        self.small_class_label = small_class_label

    def transform(self, results: dict) -> dict:
        task, path = get_task(results['task']), results['label_path']
        label, size = task.read(path, dict(num_classes=results.get('num_classes'),
                                           ignore_index=self.ignore_index,
                                           depth_scale=results.get('depth_scale', 1.0)))
        if task.results_key == 'gt_seg_map':
            label = self._relabel_small_classes(label)
        results[task.results_key] = label
        results['ori_shape'] = size
        return results

    def _relabel_small_classes(self, label: np.ndarray) -> np.ndarray:
        if self.min_class_pixels <= 0:
            return label
        ids, counts = np.unique(label, return_counts=True)
        small = ids[(counts < self.min_class_pixels) & (ids != self.ignore_index)]
        if small.size:
            label = np.where(np.isin(label, small), self.small_class_label, label)
        return label


@TRANSFORMS.register_module()
class PackLatentInputs(BaseTransform):
    """Pack to ``dict(inputs=latent tensor, data_samples=SegDataSample)``.

    The sample holds the label as its task packs it (:meth:`~mmdsgan.tasks.LabelTask.
    pack_ground_truth`): ``gt_sem_seg`` (PixelData (1, H, W) int64), ``gt_depth_map``
    (PixelData (1, H, W) float32) or ``gt_keypoints`` (tensor (K, 3)); and the ``meta_keys``
    present in ``results`` as metainfo.
    """

    def __init__(self, meta_keys: Sequence[str] = ('id', 'latent_path', 'label_path', 'img_path',
                                                    'latent_type', 'task', 'ori_shape',
                                                    'num_classes')) -> None:
        self.meta_keys = tuple(meta_keys)

    def transform(self, results: dict) -> dict:
        sample = SegDataSample()
        for name in task_names():
            task = get_task(name)
            if task.results_key in results:
                task.pack_ground_truth(sample, results[task.results_key])
        sample.set_metainfo({k: results[k] for k in self.meta_keys if k in results})
        return dict(inputs=torch.from_numpy(np.ascontiguousarray(results['latent'])),
                    data_samples=sample)
