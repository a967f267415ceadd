"""Cityscapes as shipped: ``gtFine`` label ids (35), no conversion to train ids first."""
from __future__ import annotations

import os.path as osp
from typing import Sequence

from mmengine import fileio
from mmseg.registry import DATASETS

from mmdsgan.utils.errors import MissingFileError
from mmdsgan.utils.paths import check_folder_name

from .real_seg_dataset import RealSegDataset

__all__ = ['CityscapesLabelIdsDataset', 'CITYSCAPES_LABEL_IDS']

#: cityscapesScripts' labels by id 0..33 (license plate, id -1, is not written in labelIds)
CITYSCAPES_LABEL_IDS = (
    'unlabeled', 'ego vehicle', 'rectification border', 'out of roi', 'static', 'dynamic',
    'ground', 'road', 'sidewalk', 'parking', 'rail track', 'building', 'wall', 'fence',
    'guard rail', 'bridge', 'tunnel', 'pole', 'polegroup', 'traffic light', 'traffic sign',
    'vegetation', 'terrain', 'sky', 'person', 'rider', 'car', 'truck', 'bus', 'caravan',
    'trailer', 'train', 'motorcycle', 'bicycle')


@DATASETS.register_module()
class CityscapesLabelIdsDataset(RealSegDataset):
    """Cityscapes ``leftImg8bit/<split>/<city>/<name>_leftImg8bit.png`` with
    ``gtFine/<split>/<city>/<name>_gtFine_labelIds.png`` (ids 0..33, :data:`CITYSCAPES_LABEL_IDS`).

    MMSeg's own ``CityscapesDataset`` reads the 19 train ids that its conversion script writes
    (``*_labelTrainIds.png``); this one reads the label ids as shipped and merges them by
    ``class_merge`` (HandsOff's 8 classes: ``configs/_base_/datasets/cityscapes_8.py``). An image
    without its label file is an error, not skipped.

    Args:
        split: 'train', 'val' or 'test' (a folder name).
        class_merge: target class -> source classes (config data), or None (34 label ids).
        **kwargs: :class:`~mmseg.datasets.BaseSegDataset` arguments.
    """

    IMG_SUFFIX = '_leftImg8bit.png'
    LABEL_SUFFIX = '_gtFine_labelIds.png'

    def __init__(self, split: str = 'train', **kwargs) -> None:
        self.split = check_folder_name(split, 'CityscapesLabelIdsDataset split')
        super().__init__(**kwargs)

    def source_classes(self) -> Sequence[str]:
        return list(CITYSCAPES_LABEL_IDS)

    def load_data_list(self) -> list[dict]:
        root = self.data_root or ''
        img_dir = osp.join(root, 'leftImg8bit', self.split)
        label_dir = osp.join(root, 'gtFine', self.split)
        if not osp.isdir(img_dir):
            raise MissingFileError(f'CityscapesLabelIdsDataset: {img_dir} not found; data_root '
                                   f'must hold leftImg8bit/ and gtFine/')
        data_list, missing = [], []
        for rel in sorted(fileio.list_dir_or_file(img_dir, list_dir=False,
                                                  suffix=self.IMG_SUFFIX, recursive=True)):
            label = osp.join(label_dir, rel[:-len(self.IMG_SUFFIX)] + self.LABEL_SUFFIX)
            if not osp.isfile(label):
                missing.append(label)
                continue
            data_list.append(self.sample(osp.join(img_dir, rel), 'index_png', path=label))
        if missing:
            raise MissingFileError(f'{len(missing)} label file(s) missing, e.g. {missing[0]}: '
                                   f'unpack gtFine next to leftImg8bit')
        if not data_list:
            raise MissingFileError(f'no *{self.IMG_SUFFIX} under {img_dir}')
        return data_list
