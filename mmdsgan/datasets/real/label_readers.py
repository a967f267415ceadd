"""Reading the label of one real sample, whatever its dataset ships: the one place for it.

Every dataset of :mod:`mmdsgan.datasets.real` describes a sample's label as plain data in its
``data_info['real_label']`` (``kind`` + arguments), so the same reader serves MMSeg evaluation
(:class:`~.load_real_annotations.LoadRealAnnotations`, in data-loader workers) and inversion
(:func:`mmdsgan.datasets.real_labeled.read_real_labeled`):

``index_png``   ``path``: one class-index PNG (Cityscapes ``*_labelIds.png``, DeepFashion-MM
                ``segm/*_segm.png``, any MMSeg folder).
``parts``       ``parts``: ``[[path, source_id], ...]`` binary PNGs (non-zero = the part),
                painted in list order, later over earlier (CelebAMask-HQ); pixels of no part
                are 0; ``sample``: the sample, for messages.
``coco``        ``annotations`` (one image's COCO annotations), ``category_ids`` (category id
                -> source id), ``height``/``width`` from the json, ``source`` (the json):
                polygons / RLE through pycocotools (:mod:`~mmdsgan.datasets.coco_masks`).

The label is then brought to the image's size: equal sizes pass, a label an integer factor
smaller in both sides (CelebAMask-HQ: 512 masks, 1024 images) is enlarged by nearest neighbour
(each label pixel repeated factor x factor times, so every class id is kept), any other size
is refused naming the file. Last, the dataset's :class:`~.class_merge.ClassMerge`
(``data_info['class_merge']``) maps source ids to the target classes.
"""
from __future__ import annotations

import os.path as osp
from typing import Any, Callable, Mapping

import numpy as np

from mmdsgan.tasks import LabelFileError
from mmdsgan.tasks._png import open_png
from mmdsgan.tasks.seg import read_index_png

from ..coco_masks import CocoFormatError, class_index_mask

__all__ = ['LABEL_READERS', 'read_real_label', 'fit_label_to_image']

LABEL_READERS: dict[str, Callable[[Mapping[str, Any]], np.ndarray]] = {}


def _reader(kind: str):
    def register(fn):
        LABEL_READERS[kind] = fn
        return fn
    return register


def read_real_label(data_info: Mapping[str, Any], image_shape: tuple[int, int]) -> np.ndarray:
    """The (H, W) uint8 target-class label of a sample, at ``image_shape`` (rules: module doc).

    Raises:
        LabelFileError: a missing or unreadable label, a size that does not fit the image, a
            value outside the dataset's classes; the message names the file.
    """
    spec = data_info['real_label']
    kind = spec.get('kind')
    if kind not in LABEL_READERS:
        raise LabelFileError(f'{data_info.get("img_path")}: unknown label kind {kind!r} (known: '
                             f'{sorted(LABEL_READERS)})')
    label, source = LABEL_READERS[kind](spec)
    label = fit_label_to_image(label, tuple(image_shape[:2]), source,
                               data_info.get('img_path', '?'))
    return data_info['class_merge'].apply(label, source)


def fit_label_to_image(label: np.ndarray, image_shape: tuple[int, int], source: str,
                       image: str) -> np.ndarray:
    """``label`` at ``image_shape``: unchanged, or enlarged by a whole factor (nearest)."""
    height, width = label.shape
    if (height, width) == tuple(image_shape):
        return label
    factor = image_shape[0] // height if height else 0
    if factor >= 2 and (height * factor, width * factor) == tuple(image_shape):
        return np.repeat(np.repeat(label, factor, axis=0), factor, axis=1)
    raise LabelFileError(f'{source}: label is {width}x{height}, its image {image} is '
                         f'{image_shape[1]}x{image_shape[0]}; a label must have the image size '
                         f'or a whole fraction of it (e.g. 512 for 1024)')


@_reader('index_png')
def _index_png(spec: Mapping[str, Any]) -> tuple[np.ndarray, str]:
    path = spec['path']
    return read_index_png(path), path


@_reader('parts')
def _parts(spec: Mapping[str, Any]) -> tuple[np.ndarray, str]:
    parts = spec['parts']
    if not parts:
        raise LabelFileError(f'{spec.get("sample")}: no part mask found; check the mask folder')
    label = None
    for path, source_id in parts:
        mask = _binary_png(path)
        if label is None:
            label = np.zeros(mask.shape, dtype=np.uint8)
        elif mask.shape != label.shape:
            raise LabelFileError(f'{path}: mask is {mask.shape[1]}x{mask.shape[0]}, the other '
                                 f'masks of {spec.get("sample")} are '
                                 f'{label.shape[1]}x{label.shape[0]}; re-export it')
        label[mask] = source_id
    return label, osp.dirname(parts[0][0]) + f' ({spec.get("sample")})'


def _binary_png(path: str) -> np.ndarray:
    """A part mask (grey, RGB or palette): (H, W) bool, True where the first channel is
    non-zero (as the CelebAMask-HQ script reads them)."""
    array = np.asarray(open_png(path))  # missing / unreadable: one LabelFileError naming it
    if array.ndim == 3:
        array = array[..., 0]
    return array != 0


@_reader('coco')
def _coco(spec: Mapping[str, Any]) -> tuple[np.ndarray, str]:
    source = spec['source']
    try:
        label = class_index_mask(spec['annotations'], int(spec['height']), int(spec['width']),
                                 spec['category_ids'], source)
    except CocoFormatError as err:
        raise LabelFileError(str(err)) from err
    return label, source
