"""DeepFashion-MultiModal human parsing as shipped: images and ``*_segm.png`` maps."""
from __future__ import annotations

import os
import os.path as osp
from typing import Sequence

import numpy as np
from mmseg.registry import DATASETS

from mmdsgan.utils.errors import InputError, MissingFileError

from .real_seg_dataset import RealSegDataset

__all__ = ['DeepFashionMMDataset', 'DEEPFASHION_MM_CLASSES', 'DEEPFASHION_MM_KEYPOINTS',
           'read_deepfashion_keypoints']

#: the 24 parsing labels of the dataset's README, index = value in the segm PNGs
DEEPFASHION_MM_CLASSES = (
    'background', 'top', 'outer', 'skirt', 'dress', 'pants', 'leggings', 'headwear', 'eyeglass',
    'neckwear', 'belt', 'footwear', 'bag', 'hair', 'face', 'skin', 'ring', 'wrist wearing',
    'socks', 'gloves', 'necklace', 'rompers', 'earrings', 'tie')

#: the 21 keypoints: the README defines them by a figure only, so they are named by number
DEEPFASHION_MM_KEYPOINTS = tuple(f'kp{k:02d}' for k in range(1, 22))


def read_deepfashion_keypoints(root: str, folder: str = 'keypoints') -> dict[str, np.ndarray]:
    """``keypoints_loc.txt`` + ``keypoints_vis.txt`` -> {image stem: (21, 3) float32 x, y, v}.

    The files' visibility (0 visible, 1 present but hidden, 2 absent, at (-1, -1)) becomes
    COCO's (2 visible, 1 hidden, 0 absent); coordinates are pixel indices, as given.

    Raises:
        MissingFileError: a file is missing. InputError: a line that is not
            ``<name> x_1 y_1 ... x_21 y_21`` / ``<name> v_1 ... v_21``, or a name in one file only.
    """
    paths = [osp.join(root, folder, f'keypoints_{kind}.txt') for kind in ('loc', 'vis')]
    tables = []
    for path, width in zip(paths, (2, 1)):
        if not osp.isfile(path):
            raise MissingFileError(f'{path} not found (DeepFashion-MultiModal keypoints)')
        table = {}
        with open(path, encoding='utf-8') as f:
            for number, line in enumerate(f, 1):
                fields = line.split()
                if not fields:
                    continue
                count = len(DEEPFASHION_MM_KEYPOINTS) * width
                try:
                    values = [float(v) for v in fields[1:]]
                except ValueError:
                    values = []
                if len(values) != count:
                    raise InputError(f'{path}: line {number} is not "<image name>" and {count} '
                                     f'numbers; fix the line')
                table[osp.splitext(fields[0])[0]] = values
        tables.append(table)
    loc, vis = tables
    if loc.keys() != vis.keys():
        odd = sorted(loc.keys() ^ vis.keys())
        raise InputError(f'{paths[0]} and {paths[1]} list different images (e.g. {odd[0]}); '
                         f'use the two files of one release')
    out = {}
    for name, xy in loc.items():
        v = np.asarray(vis[name], np.float32)
        if not np.isin(v, (0, 1, 2)).all():
            raise InputError(f'{paths[1]}: visibility of {name} not in 0, 1, 2')
        points = np.zeros((len(DEEPFASHION_MM_KEYPOINTS), 3), np.float32)
        points[:, :2] = np.asarray(xy, np.float32).reshape(-1, 2)
        points[:, 2] = 2 - v  # 0 visible -> 2, 1 hidden -> 1, 2 absent -> 0
        out[name] = points
    return out


@DATASETS.register_module()
class DeepFashionMMDataset(RealSegDataset):
    """DeepFashion-MultiModal: ``<img_dir>/<name>.jpg`` (750x1101) with
    ``<segm_dir>/<name>_segm.png`` (values: :data:`DEEPFASHION_MM_CLASSES`).

    Only the 12,701 full-body images have a parsing map; the samples are those maps (an
    image-less map is an error). Their keypoints (``keypoints/keypoints_{loc,vis}.txt``) are
    read for inversion by :func:`read_deepfashion_keypoints`. The dataset ships no split: ``split='all'`` takes every map,
    any other name reads ``<data_root>/<split>.txt`` (image names, one per line).

    Args:
        split: 'all' or the name of a list file.
        img_dir, segm_dir: the folders (the README calls them ``image`` and ``parsing``; the
            archives unpack as ``images`` and ``segm``).
        class_merge: target class -> source classes (config data), or None (24 classes).
        **kwargs: :class:`~mmseg.datasets.BaseSegDataset` arguments.
    """

    SEGM_SUFFIX = '_segm.png'

    def __init__(self, split: str = 'all', img_dir: str = 'images', segm_dir: str = 'segm',
                 **kwargs) -> None:
        self.split, self.img_dir, self.segm_dir = split, img_dir, segm_dir
        super().__init__(**kwargs)

    def source_classes(self) -> Sequence[str]:
        return list(DEEPFASHION_MM_CLASSES)

    def load_data_list(self) -> list[dict]:
        root = self.data_root or ''
        segm_dir, img_dir = osp.join(root, self.segm_dir), osp.join(root, self.img_dir)
        for folder in (segm_dir, img_dir):
            if not osp.isdir(folder):
                raise MissingFileError(f'DeepFashionMMDataset: {folder} not found')
        if self.split == 'all':
            names = sorted(n[:-len(self.SEGM_SUFFIX)] for n in os.listdir(segm_dir)
                           if n.endswith(self.SEGM_SUFFIX))
        else:
            listing = osp.join(root, f'{self.split}.txt')
            if not osp.isfile(listing):
                raise MissingFileError(f'DeepFashionMMDataset: split {self.split!r} needs '
                                       f'{listing} (image names, one per line); or use '
                                       f"split='all'")
            with open(listing, encoding='utf-8') as f:
                names = [osp.splitext(line.strip())[0] for line in f if line.strip()]
        data_list, missing = [], []
        for name in names:
            if '/' in name or name.startswith('.'):
                raise InputError(f'{self.split}.txt: {name!r} is not a plain image name')
            image = osp.join(img_dir, name + '.jpg')
            segm = osp.join(segm_dir, name + self.SEGM_SUFFIX)
            if not (osp.isfile(image) and osp.isfile(segm)):
                missing.append(image if not osp.isfile(image) else segm)
                continue
            data_list.append(self.sample(image, 'index_png', path=segm))
        if missing:
            raise MissingFileError(f'{len(missing)} file(s) missing, e.g. {missing[0]}')
        return data_list
