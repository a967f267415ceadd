"""A generated folder (``tools/generate_dataset.py``) as an MMSeg dataset: segmentation
(:class:`SyntheticSegDataset`), depth (:class:`SyntheticDepthDataset`) or keypoints
(:class:`SyntheticKeypointDataset`), each with the manifest's uncertainty filtering."""
from __future__ import annotations

import json
import math
import os.path as osp
from typing import Any, ClassVar, Sequence

import numpy as np
from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from mmdsgan.tasks import get_task
from mmdsgan.utils.errors import ConfigError, InputError, MissingFileError
from mmdsgan.utils.paths import path_inside

from ..label_io import META_NAME
from .manifest import filter_manifest, read_manifest

__all__ = ['SyntheticSegDataset', 'SyntheticDepthDataset', 'SyntheticKeypointDataset',
           'read_synthetic_metainfo', 'check_depth_rescale']


def read_synthetic_metainfo(root: str) -> dict[str, Any]:
    """``<root>/metainfo.json`` of a generated folder, with ``classes`` and ``palette``."""
    path = osp.join(root, META_NAME)
    if not osp.isfile(path):
        raise MissingFileError(
            f'{path} not found: {root} is not a folder written by tools/generate_dataset.py '
            f'(generate it with: python tools/generate_dataset.py INTERPRETER_CONFIG --num N '
            f'--out {root})')
    try:
        with open(path, encoding='utf-8') as f:
            meta = json.load(f)
    except json.JSONDecodeError as err:
        raise InputError(f'{path} is not valid JSON ({err}); re-run tools/generate_dataset.py '
                         f'on {root} to rewrite it') from err
    for key in ('classes', 'palette'):
        if not meta.get(key):
            raise InputError(f'{path} has no "{key}"; re-run tools/generate_dataset.py on '
                             f'{root} to rewrite it')
    return meta


def check_depth_rescale(pipeline: Sequence, depth_scale: float, source: str) -> None:
    """Refuse a pipeline whose MMSeg ``LoadDepthAnnotation`` would read the depth PNGs of
    ``source`` (``depth_scale`` PNG values per depth unit) in other units.

    ``depth_rescale_factor`` must be ``1 / depth_scale`` (e.g. 1e-3 for millimetre PNGs): no
    silent conversion of the labels' units.
    """
    for step in pipeline or []:
        if isinstance(step, dict) and \
                str(step.get('type', '')).split('.')[-1] == 'LoadDepthAnnotation':
            factor = float(step.get('depth_rescale_factor', 1.0))
            if not math.isclose(factor * depth_scale, 1.0, rel_tol=1e-6):
                raise ConfigError(
                    f'{source}: depth_scale is {depth_scale:g} PNG values per unit but the '
                    f'pipeline\'s LoadDepthAnnotation has depth_rescale_factor={factor:g}; set '
                    f'depth_rescale_factor={1.0 / depth_scale:g}')


@DATASETS.register_module()
class SyntheticSegDataset(BaseSegDataset):
    """Generated images and labels, read through the folder's manifest.

    Args:
        data_root: the generated folder (``metainfo.json``, ``manifest.jsonl``, ``img_dir``,
            ``ann_dir``).
        split: only samples of this split; default the folder's split.
        keep_ratio: keep this least uncertain fraction (DatasetGAN: 0.9, the default); None or
            1.0 keeps all. See :func:`~.manifest.filter_manifest` (ties: smaller id kept).
        max_score: also drop samples whose uncertainty score is above this.
        metainfo: overrides of ``metainfo.json``'s ``classes`` / ``palette``.
        **kwargs: other :class:`mmseg.datasets.BaseSegDataset` arguments (``pipeline``,
            ``reduce_zero_label``, ``ignore_index``, ``indices``, ``serialize_data``, ...).

    Records carry ``img_path``, ``seg_map_path``, ``seed``, ``uncertainty_score``, as MMSeg's
    ``LoadImageFromFile`` and ``LoadAnnotations`` expect.
    """

    #: the label task of the folders this class reads (``metainfo.json['task']``).
    TASK: ClassVar[str] = 'seg'

    def __init__(self, data_root: str, split: str | None = None,
                 keep_ratio: float | None = 0.9, max_score: float | None = None,
                 metainfo: dict | None = None, **kwargs) -> None:
        folder_meta = read_synthetic_metainfo(data_root)
        task = folder_meta.get('task', 'seg')
        if task != self.TASK:
            readers = dict(seg='SyntheticSegDataset', depth='SyntheticDepthDataset',
                           keypoints='SyntheticKeypointDataset')
            raise InputError(f'{osp.join(data_root, META_NAME)}: task is {task!r}; '
                             f'{type(self).__name__} reads {self.TASK!r} sets: use '
                             f'type={readers.get(task, "?")!r} for this folder')
        self.folder_meta = folder_meta
        self.split = split or folder_meta.get('split', 'train')
        self.keep_ratio = keep_ratio
        self.max_score = max_score
        metainfo = dict(classes=tuple(folder_meta['classes']), palette=folder_meta['palette'],
                        **(metainfo or {}))
        super().__init__(data_root=data_root, metainfo=metainfo, **kwargs)

    def load_data_list(self) -> list[dict]:
        records = [r for r in read_manifest(self.data_root) if r.get('split') == self.split]
        if not records:
            raise InputError(f'{self.data_root}: no finished sample of split {self.split!r} in '
                             f'its manifest (manifest.jsonl / manifest.rank*.jsonl)')
        kept = filter_manifest(records, keep_ratio=self.keep_ratio, max_score=self.max_score)
        manifest = osp.join(self.data_root, 'manifest.jsonl')
        infos = []
        for i, r in enumerate(kept):
            source = f'{manifest} ({r["id"]})'
            info = dict(img_path=path_inside(self.data_root, r['img'], source),
                        label_map=self.label_map, reduce_zero_label=self.reduce_zero_label,
                        seg_fields=[], sample_idx=i, seed=r['seed'], sample_id=r['id'],
                        uncertainty_score=r['score'])
            info.update(self._label_entries(path_inside(self.data_root, r['ann'], source)))
            infos.append(info)
        return infos

    def _label_entries(self, ann_path: str) -> dict[str, Any]:
        """The record's label entries for the pipeline's loading step."""
        return dict(seg_map_path=ann_path)


@DATASETS.register_module()
class SyntheticDepthDataset(SyntheticSegDataset):
    """A generated depth folder: 16-bit PNGs, ``value = depth * depth_scale`` (metainfo.json).

    Read the labels with MMSeg's ``LoadDepthAnnotation(depth_rescale_factor=1 / depth_scale)``
    (a pipeline with another factor is refused) and pack them with ``PackSegInputs``
    (``gt_depth_map``, PixelData (1, H, W) float32, 0 = unknown).

    Args: as :class:`SyntheticSegDataset`. Records carry ``img_path``, ``depth_map_path``,
    ``depth_scale``, ``seed``, ``uncertainty_score`` (the ensemble's standard deviation, mean of
    the image's top 10 % pixels).
    """

    TASK = 'depth'

    def __init__(self, data_root: str, **kwargs) -> None:
        meta = read_synthetic_metainfo(data_root)
        if meta.get('task') == self.TASK:  # else the base class names the mismatch
            scale = meta.get('depth_scale')
            if not scale:
                raise InputError(f'{osp.join(data_root, META_NAME)} has no "depth_scale"; '
                                 f're-run tools/generate_dataset.py on {data_root}')
            self.depth_scale = float(scale)
            check_depth_rescale(kwargs.get('pipeline'), self.depth_scale,
                                osp.join(data_root, META_NAME))
        super().__init__(data_root, **kwargs)

    def _label_entries(self, ann_path: str) -> dict[str, Any]:
        return dict(depth_map_path=ann_path, depth_scale=self.depth_scale)


@DATASETS.register_module()
class SyntheticKeypointDataset(SyntheticSegDataset):
    """A generated keypoints folder: one JSON per image (``{"height", "width", "keypoints":
    [[x, y, v], ...]}``, pixel centres at integers, ``v = 2``: predicted).

    The keypoints are read when the dataset is built (a few bytes per image) into each record's
    ``gt_keypoints`` (K, 3) float32 ``(x, y, v)``; pack them with ``PackKeypointInputs``.

    Args: as :class:`SyntheticSegDataset`; ``metainfo['classes']`` are the keypoint names.
    Records carry ``img_path``, ``ann_path``, ``gt_keypoints``, ``seed``, ``uncertainty_score``.
    """

    TASK = 'keypoints'

    def _label_entries(self, ann_path: str) -> dict[str, Any]:
        keypoints, _ = get_task('keypoints').read(
            ann_path, dict(num_classes=len(self.folder_meta['classes'])))
        return dict(ann_path=ann_path, gt_keypoints=np.asarray(keypoints, np.float32))
