"""Car-Parts (dsmlr/Car-Parts-Segmentation) as its authors ship it."""
from __future__ import annotations

from mmseg.registry import DATASETS

from mmdsgan.utils.errors import InputError

from .coco_seg_dataset import CocoSegDataset

__all__ = ['CarPartsDataset']


@DATASETS.register_module()
class CarPartsDataset(CocoSegDataset):
    """Car-Parts: ``<root>/trainingset/`` (400 images, 512x512) and ``<root>/testset/`` (100,
    many sizes), each ``annotations.json`` (COCO polygons, bare ``file_name``, ``path`` =
    ``JPEGImages/<name>``, bool ``iscrowd``) and ``JPEGImages/``.

    Classes: 0 background (the json's ``_background_`` category), then the 18 parts in
    category-id order (back_bumper ... wheel). HandsOff's 10 classes come from the merge in
    ``configs/_base_/datasets/car_parts_10.py``.

    Args:
        split: ``'train'`` (trainingset) or ``'test'`` (testset).
        **kwargs: :class:`CocoSegDataset` arguments (``data_root``, ``class_merge``, ...).
    """

    SPLITS = {'train': 'trainingset', 'test': 'testset'}

    def __init__(self, split: str = 'train', **kwargs) -> None:
        if split not in self.SPLITS:
            raise InputError(f'CarPartsDataset: split {split!r} unknown; Car-Parts ships '
                             f'{sorted(self.SPLITS)} (folders {sorted(self.SPLITS.values())})')
        self.split = split
        kwargs.setdefault('ann_file', f'{self.SPLITS[split]}/annotations.json')
        super().__init__(**kwargs)
