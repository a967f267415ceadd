"""Cityscapes depth from its shipped disparity maps: depth (m) = baseline * fx / disparity.

Cityscapes ships ``disparity/<split>/<city>/<name>_disparity.png``: 16-bit PNGs whose value p
gives the disparity ``d = (p - 1) / 256`` pixels for ``p > 0``; ``p = 0`` is an invalid
measurement. The stereo rig is in ``camera/<split>/<city>/<name>_camera.json``
(``extrinsic.baseline`` in meters, ``intrinsic.fx`` in pixels). :class:`CityscapesDepthDataset`
lists the images with their disparity file and camera (read once per sample, when listing);
:class:`LoadCityscapesDepth` turns the disparity into depth in meters, 0 where unknown
(``p = 0``, and ``p = 1``: zero disparity, infinitely far). 0 is what the depth metric
(``DepthErrorMetric``: ``gt > min_depth_eval = 0``) and the depth losses ignore.
"""
from __future__ import annotations

import json
import os.path as osp
from typing import Any, Mapping

import cv2
import numpy as np
from mmcv.transforms import BaseTransform
from mmengine import fileio
from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS, TRANSFORMS

from mmdsgan.utils.errors import ConfigError, InputError, MissingFileError
from mmdsgan.utils.paths import check_folder_name

from ..sample_ids import select_samples

__all__ = ['CityscapesDepthDataset', 'LoadCityscapesDepth', 'disparity_to_depth',
           'read_cityscapes_depth']


def disparity_to_depth(values: np.ndarray, baseline: float, fx: float) -> np.ndarray:
    """Cityscapes disparity PNG values (H, W) uint16 -> (H, W) float32 depth in meters:
    ``baseline * fx / ((p - 1) / 256)`` for ``p > 1``; 0 (unknown) for ``p <= 1``."""
    p = np.asarray(values).astype(np.float64)
    valid = p > 1
    depth = np.zeros(p.shape, np.float64)
    depth[valid] = baseline * fx * 256.0 / (p[valid] - 1.0)
    return depth.astype(np.float32)


def read_cityscapes_depth(record: Mapping[str, Any]) -> np.ndarray:
    """The (H, W) float32 depth in meters of one :class:`CityscapesDepthDataset` record."""
    path = record['disparity_path']
    data = np.frombuffer(fileio.get(path), np.uint8)
    values = cv2.imdecode(data, cv2.IMREAD_UNCHANGED) if data.size else None
    if values is None or values.ndim != 2 or values.dtype != np.uint16:
        kind = 'not an image' if values is None else f'{values.dtype} with shape {values.shape}'
        raise InputError(f'{path}: {kind}, expected a single-channel 16-bit PNG (Cityscapes '
                         f'disparity); re-extract it from disparity_trainvaltest.zip')
    return disparity_to_depth(values, record['baseline'], record['fx'])


def _read_camera(path: str) -> tuple[float, float]:
    """``(extrinsic.baseline, intrinsic.fx)`` of a Cityscapes camera json."""
    if not osp.isfile(path):
        raise MissingFileError(f'{path} not found: unpack camera_trainvaltest.zip next to '
                               f'leftImg8bit/ and disparity/')
    try:
        with open(path, encoding='utf-8') as f:
            camera = json.load(f)
        baseline = float(camera['extrinsic']['baseline'])
        fx = float(camera['intrinsic']['fx'])
    except (ValueError, KeyError, TypeError) as err:
        raise InputError(f'{path}: not a Cityscapes camera json with a number at '
                         f'extrinsic.baseline and intrinsic.fx ({type(err).__name__}: {err}); '
                         f're-extract it') from err
    if not (baseline > 0 and fx > 0):
        raise InputError(f'{path}: baseline {baseline:g} and fx {fx:g} must be positive; '
                         f're-extract it')
    return baseline, fx


@DATASETS.register_module()
class CityscapesDepthDataset(BaseSegDataset):
    """Cityscapes ``leftImg8bit/<split>/<city>/<name>_leftImg8bit.png`` with the depth of
    ``disparity/<split>/<city>/<name>_disparity.png`` and ``camera/.../<name>_camera.json``.

    Read the labels with :class:`LoadCityscapesDepth` and pack them with ``PackSegInputs``
    (``gt_depth_map``, meters). An image without its disparity or camera file is an error.

    Args:
        data_root: the folder holding ``leftImg8bit/``, ``disparity/`` and ``camera/``.
        split: 'train', 'val' or 'test' (a folder name).
        sample_ids: read only these samples (ids = image file stems, e.g.
            ``aachen_000000_000019_leftImg8bit``), in this order: a list or a text file of one
            id per line; None: all.
        **kwargs: other :class:`mmseg.datasets.BaseSegDataset` arguments (``pipeline``).

    Records carry ``img_path``, ``disparity_path``, ``baseline`` (m), ``fx`` (px),
    ``seg_fields=[]`` and ``sample_idx``; samples are sorted by path (city, then name).
    """

    METAINFO = dict(classes=('depth',), palette=[[255, 255, 255]])
    IMG_SUFFIX = '_leftImg8bit.png'
    DISPARITY_SUFFIX = '_disparity.png'
    CAMERA_SUFFIX = '_camera.json'

    def __init__(self, split: str = 'train', sample_ids=None, **kwargs) -> None:
        self.split = check_folder_name(split, 'CityscapesDepthDataset split')
        self.sample_ids = sample_ids
        for step in kwargs.get('pipeline') or []:
            if isinstance(step, dict) and \
                    str(step.get('type', '')).split('.')[-1] == 'LoadDepthAnnotation':
                raise ConfigError('CityscapesDepthDataset: the pipeline uses '
                                  'LoadDepthAnnotation, which reads depth PNGs; use '
                                  'LoadCityscapesDepth (disparity -> meters)')
        super().__init__(**kwargs)

    def load_data_list(self) -> list[dict]:
        root = self.data_root or ''
        img_dir = osp.join(root, 'leftImg8bit', self.split)
        if not osp.isdir(img_dir):
            raise MissingFileError(f'CityscapesDepthDataset: {img_dir} not found; data_root '
                                   f'must hold leftImg8bit/, disparity/ and camera/')
        data_list = []
        for rel in sorted(fileio.list_dir_or_file(img_dir, list_dir=False,
                                                  suffix=self.IMG_SUFFIX, recursive=True)):
            stem = rel[:-len(self.IMG_SUFFIX)]
            disparity = osp.join(root, 'disparity', self.split, stem + self.DISPARITY_SUFFIX)
            if not osp.isfile(disparity):
                raise MissingFileError(f'{disparity} not found (the disparity of '
                                       f'{osp.join(img_dir, rel)}): unpack '
                                       f'disparity_trainvaltest.zip next to leftImg8bit/')
            baseline, fx = _read_camera(
                osp.join(root, 'camera', self.split, stem + self.CAMERA_SUFFIX))
            data_list.append(dict(img_path=osp.join(img_dir, rel), disparity_path=disparity,
                                  baseline=baseline, fx=fx, seg_fields=[],
                                  sample_idx=len(data_list), label_map=None,
                                  reduce_zero_label=False))
        if not data_list:
            raise MissingFileError(f'no *{self.IMG_SUFFIX} under {img_dir}')
        return data_list

    def filter_data(self) -> list:
        """MMEngine's filter, then only the samples of ``sample_ids`` (when given)."""
        data = super().filter_data()
        if self.sample_ids is None:
            return data
        return select_samples(data, self.sample_ids,
                              f'CityscapesDepthDataset {self.data_root} split {self.split!r}')


@TRANSFORMS.register_module()
class LoadCityscapesDepth(BaseTransform):
    """Read a :class:`CityscapesDepthDataset` record's disparity PNG (all 16 bits) as depth.

    Adds ``results['gt_depth_map']``: (H, W) float32 meters, ``baseline * fx / ((p - 1) / 256)``,
    0 where unknown (``p <= 1``); appends ``'gt_depth_map'`` to ``seg_fields`` and sets
    ``depth_rescale_factor = 1.0``, as MMSeg's ``LoadDepthAnnotation`` does, so that
    ``PackSegInputs`` packs it as ``gt_depth_map``.

    Reads ``disparity_path``, ``baseline`` and ``fx`` from the record.
    """

    def transform(self, results: dict) -> dict:
        results['gt_depth_map'] = read_cityscapes_depth(results)
        results.setdefault('seg_fields', []).append('gt_depth_map')
        results['depth_rescale_factor'] = 1.0
        return results
