"""Any COCO json (polygons / RLE) as a semantic segmentation dataset."""
from __future__ import annotations

import os.path as osp
from typing import Any, Sequence

from mmseg.registry import DATASETS

from mmdsgan.utils.errors import MissingFileError

from .real_seg_dataset import RealSegDataset

__all__ = ['CocoSegDataset']


@DATASETS.register_module()
class CocoSegDataset(RealSegDataset):
    """The images of one COCO json, each with a class-index label rasterised from its
    annotations by pycocotools (:mod:`~mmdsgan.datasets.coco_masks`: smaller annotations on
    top where they overlap).

    Classes: class 0 ``background`` (which categories named ``_background_`` or
    ``background`` join, as Car-Parts ships one), then the other categories in id order;
    ``class_merge`` merges them (:mod:`~.class_merge`). Images are found at
    ``<img_path>/<file_name>`` (``data_prefix.img_path``, default: the json's folder and its
    ``JPEGImages/`` and ``images/``), or at the image entry's ``path`` relative to the json's
    folder. The json's structure and every image file are checked when the dataset is built
    (all problems in one error); each label is checked when read. Images of any size: the
    label is made at the size the json declares, which must be the image's.

    Args:
        ann_file: the COCO json (relative to ``data_root`` unless absolute).
        class_merge: target class -> source classes (config data), or None.
        **kwargs: :class:`~mmseg.datasets.BaseSegDataset` arguments (``data_root``,
            ``data_prefix=dict(img_path=...)``, ``pipeline``, ``metainfo`` with a palette, ...).
    """

    def __init__(self, ann_file: str, data_root: str | None = None,
                 data_prefix: dict | None = None, img_suffix: str = '', **kwargs) -> None:
        from ..real_labeled import load_coco_json  # (real_labeled imports this package)
        path = ann_file if osp.isabs(ann_file) or data_root is None else osp.join(data_root,
                                                                                  ann_file)
        if not osp.isfile(path):
            raise MissingFileError(f'{type(self).__name__}: COCO json {path} not found; check '
                                   f'data_root and ann_file')
        self._coco = load_coco_json(path, 'seg')
        self._img_dir_given = bool((data_prefix or {}).get('img_path'))
        super().__init__(ann_file=ann_file, data_root=data_root,
                         data_prefix=dict(data_prefix or dict(img_path='')),
                         img_suffix=img_suffix, **kwargs)

    def source_classes(self) -> Sequence[str]:
        from ..real_labeled import coco_source_classes
        classes, self._category_ids = coco_source_classes(self._coco['categories'])
        return classes

    def load_data_list(self) -> list[dict]:
        from ..real_labeled import RealDataError, _problems_error, find_coco_image
        json_dir = osp.dirname(osp.abspath(self.ann_file))
        image_dirs = ([self.data_prefix['img_path']] if self._img_dir_given else
                      [json_dir, osp.join(json_dir, 'JPEGImages'), osp.join(json_dir, 'images')])
        by_image: dict[Any, list] = {img['id']: [] for img in self._coco['images']}
        for ann in self._coco['annotations']:
            by_image[ann['image_id']].append(ann)
        data_list, problems = [], []
        for img in sorted(self._coco['images'], key=lambda im: im['file_name']):
            path = find_coco_image(img, self.ann_file, image_dirs)
            if path is None:
                problems.append(f'{self.ann_file}: image {img["file_name"]!r} not found in '
                                f'{image_dirs} nor at its "path"; put the image there or set '
                                f'data_prefix.img_path')
                continue
            if 'height' not in img or 'width' not in img:
                problems.append(f'{self.ann_file}: image {img["file_name"]!r} has no "height" '
                                f'and "width"; add them (the label is drawn at that size)')
                continue
            data_list.append(self.sample(
                path, 'coco', annotations=by_image[img['id']], category_ids=self._category_ids,
                height=int(img['height']), width=int(img['width']), source=self.ann_file))
        if problems:
            raise _problems_error(problems, self.ann_file)
        if not data_list:
            raise RealDataError(f'{self.ann_file} lists no image')
        return data_list
