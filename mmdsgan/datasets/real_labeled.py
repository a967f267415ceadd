"""Readers of real labeled images for HandsOff inversion: MMSeg folders and COCO JSON.

Supported inputs (``fmt``):

``'mmseg'``::

    root/img_dir/<split>/<id>.{png,jpg,jpeg,bmp}   RGB images
    root/ann_dir/<split>/<id>.png                 task seg: class-index PNG (8-bit grey or palette)
    root/depth_dir/<split>/<id>.png               task depth: 16-bit PNG (value = depth * scale)
    root/keypoints/<split>.json                   task keypoints: COCO keypoints (file_name = image)
    root/metainfo.json or root/meta.json          optional: classes, palette, keypoints, depth_scale

``'coco'``: one COCO JSON (``real_data.ann_file``, else the first of
``root/annotations/{<split>,instances_<split>,person_keypoints_<split>}.json``), images found at
``root/<split>/``, ``root/images/<split>/``, ``root/images/`` or ``root/`` + ``file_name``.
Task seg: polygons / RLE to a class-index mask (:mod:`~mmdsgan.datasets.coco_masks`: smaller
annotations on top); the classes are ``background`` + the categories, in the order of
``real_data.category_map`` (name or id -> class id) or else of category id. Task keypoints: of
several annotations of an image, the one with the most labeled keypoints (then the largest area).

Every sample is brought to the generator's ``size x size`` by :class:`~.square_fit.SquareFit`
(shorter side to ``size``, centre crop; labels nearest, keypoints transformed with the image).
COCO keypoints, like the toy domain's, are pixel indices (pixel centres at integers).
"""
from __future__ import annotations

import glob
import json
import os.path as osp
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
from PIL import Image

from .coco_masks import CocoFormatError, class_index_mask
from .label_io import LabelFileError, TASKS, read_depth_png, read_index_png
from .square_fit import SquareFit

__all__ = ['RealDataError', 'RealSample', 'RealLabeledSet', 'read_real_labeled']

IMAGE_EXTS = ('.png', '.jpg', '.jpeg', '.bmp')
IGNORE_INDEX = 255
FORMATS = ('mmseg', 'coco')


class RealDataError(LabelFileError):
    """Real labeled input that cannot be read; the message names the file and the fix."""


@dataclass
class RealSample:
    """One real image and its label, fitted to the generator's resolution.

    Attributes:
        id: file stem, used for every output file.
        image_path: the source image.
        image: (size, size, 3) uint8.
        label: seg (size, size) uint8 class ids; depth (size, size) uint16 raw PNG values;
            keypoints (K, 3) float32 ``x, y, visibility``.
        fit: the resize rule applied.
    """
    id: str
    image_path: str
    image: np.ndarray
    label: np.ndarray
    fit: SquareFit


@dataclass
class _Entry:
    id: str
    image_path: str
    source: str  # the label file (or COCO json)
    annotations: list | None = None  # COCO annotations of the image (None: label file)
    coco_size: tuple[int, int] | None = None  # (H, W) declared in the COCO json


@dataclass
class RealLabeledSet:
    """The samples of one split, read lazily: ``len(s)``, ``s.ids``, ``s.load(i, size)``.

    Attributes:
        task: 'seg', 'depth' or 'keypoints'.
        classes: class names (seg), ``['depth']`` or the keypoint names.
        palette: [r, g, b] per class (seg) or None.
        keypoint_names: keypoint names (keypoints task), else None.
        depth_scale: PNG value per depth unit (depth task).
    """
    task: str
    classes: list[str]
    palette: list[list[int]] | None
    entries: list[_Entry]
    keypoint_names: list[str] | None = None
    depth_scale: float = 1.0
    category_map: dict[int, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def ids(self) -> list[str]:
        return [e.id for e in self.entries]

    def load(self, index: int, size: int) -> RealSample:
        """Read sample ``index`` and fit it to ``size x size``."""
        entry = self.entries[index]
        image = _read_rgb(entry.image_path)
        fit = SquareFit.for_shape(image.shape[0], image.shape[1], size)
        label = self._read_label(entry, image.shape[:2])
        if self.task == 'keypoints':
            return RealSample(entry.id, entry.image_path, fit.image(image), fit.keypoints(label),
                              fit)
        if self.task == 'seg':
            bad = np.unique(label[(label >= len(self.classes)) & (label != IGNORE_INDEX)])
            if bad.size:
                raise RealDataError(f'{entry.source}: class ids {bad.tolist()} of {entry.id} '
                                    f'are outside 0..{len(self.classes) - 1} ({IGNORE_INDEX} = '
                                    f'ignore); fix the label or real_data.classes')
        return RealSample(entry.id, entry.image_path, fit.image(image), fit.nearest(label), fit)

    def _read_label(self, entry: _Entry, shape: tuple[int, int]) -> np.ndarray:
        if entry.coco_size is not None and tuple(entry.coco_size) != tuple(shape):
            raise RealDataError(f'{entry.source}: image {entry.image_path} is {shape[1]}x'
                                f'{shape[0]} but the json says {entry.coco_size[1]}x'
                                f'{entry.coco_size[0]}; fix "width"/"height" or the image')
        if self.task == 'keypoints':
            return _keypoints_of(entry, len(self.classes))
        if self.task == 'seg' and entry.annotations is not None:
            try:
                return class_index_mask(entry.annotations, shape[0], shape[1],
                                        self.category_map, entry.source)
            except CocoFormatError as err:
                raise RealDataError(f'{err} (image {entry.image_path})') from err
        if self.task == 'seg':
            label = read_index_png(entry.source)
            if label.max(initial=0) > 255:
                raise RealDataError(f'{entry.source}: class ids above 255; use ids < 255 '
                                    f'(255 = ignore)')
            label = label.astype(np.uint8)
        else:
            label = read_depth_png(entry.source).astype(np.uint16)  # raw values, exact
        if label.shape != tuple(shape):
            raise RealDataError(f'{entry.source}: label is {label.shape[1]}x{label.shape[0]}, '
                                f'its image {entry.image_path} is {shape[1]}x{shape[0]}; '
                                f'save the label at the image size')
        return label


def read_real_labeled(root: str, fmt: str = 'mmseg', split: str = 'train', task: str = 'seg',
                      real_data: Mapping[str, Any] | None = None) -> RealLabeledSet:
    """List the labeled images of ``root`` (layouts in the module doc).

    Args:
        root: dataset folder.
        fmt: 'mmseg' or 'coco'.
        split: sub-folder / annotation-file name.
        task: 'seg', 'depth' (mmseg only) or 'keypoints'.
        real_data: overrides of the folder's meta: ``classes``, ``palette``, ``depth_scale``,
            ``keypoints`` (names), ``category_map`` (COCO: category name or id -> class id),
            ``ann_file`` (COCO json path).
    """
    if fmt not in FORMATS:
        raise RealDataError(f'unknown format {fmt!r}: use one of {list(FORMATS)}')
    if task not in TASKS:
        raise RealDataError(f'unknown task {task!r}: use one of {list(TASKS)}')
    if not osp.isdir(root):
        raise RealDataError(f'{root} is not a folder: give the real dataset root with --data')
    options = {**_folder_meta(root), **{k: v for k, v in dict(real_data or {}).items()
                                        if v is not None}}
    if fmt == 'coco':
        return _read_coco(root, split, task, options)
    return _read_mmseg(root, split, task, options)


# ------------------------------------------------------------------------------------- mmseg
def _read_mmseg(root: str, split: str, task: str, options: dict) -> RealLabeledSet:
    img_dir = osp.join(root, 'img_dir', split)
    images = _list_images(img_dir)
    if task == 'keypoints':
        kp_file = osp.join(root, 'keypoints', f'{split}.json')
        return _coco_set(kp_file, task, options,
                         images_by_name={osp.basename(p): p for p in images})
    label_dir = osp.join(root, 'ann_dir' if task == 'seg' else 'depth_dir', split)
    entries, missing = [], []
    for path in images:
        stem = osp.splitext(osp.basename(path))[0]
        label = osp.join(label_dir, stem + '.png')
        if osp.isfile(label):
            entries.append(_Entry(stem, path, label))
        else:
            missing.append(label)
    if missing:
        raise RealDataError(f'{len(missing)} label(s) missing in {label_dir}, e.g. {missing[0]}:'
                            f' give every image of {img_dir} its label, or remove the image')
    return _make_set(task, entries, options, source=root)


def _list_images(img_dir: str) -> list[str]:
    paths = sorted(p for p in glob.glob(osp.join(img_dir, '*'))
                   if osp.splitext(p)[1].lower() in IMAGE_EXTS)
    if not paths:
        raise RealDataError(f'{img_dir} holds no images ({", ".join(IMAGE_EXTS)}): check --data '
                            f'and --split (MMSeg layout: img_dir/<split>/<id>.png)')
    stems = [osp.splitext(osp.basename(p))[0] for p in paths]
    if len(set(stems)) != len(stems):
        raise RealDataError(f'{img_dir}: two images share a file stem; rename them (the stem is '
                            f'the sample id)')
    return paths


# -------------------------------------------------------------------------------------- coco
def _read_coco(root: str, split: str, task: str, options: dict) -> RealLabeledSet:
    if task == 'depth':
        raise RealDataError('COCO JSON has no depth: use --format mmseg with depth_dir/<split>/ '
                            '16-bit PNGs')
    ann_file = options.get('ann_file')
    if ann_file is None:
        candidates = [osp.join(root, 'annotations', f'{name}.json') for name in
                      (split, f'instances_{split}', f'person_keypoints_{split}')]
        ann_file = next((c for c in candidates if osp.isfile(c)), None)
        if ann_file is None:
            raise RealDataError(f'no COCO json found: tried {candidates}; put it there or set '
                                f'real_data.ann_file=<path> (--cfg-options)')
    image_dirs = [osp.join(root, split), osp.join(root, 'images', split),
                  osp.join(root, 'images'), root]
    return _coco_set(ann_file, task, options, image_dirs=image_dirs)


def _coco_set(ann_file: str, task: str, options: dict,
              images_by_name: dict[str, str] | None = None,
              image_dirs: list[str] | None = None) -> RealLabeledSet:
    coco = _read_json(ann_file)
    for key in ('images', 'annotations', 'categories'):
        if not isinstance(coco.get(key), list):
            raise RealDataError(f'{ann_file}: not COCO JSON (no "{key}" list)')
    by_image: dict[Any, list] = {img['id']: [] for img in coco['images']}
    for ann in coco['annotations']:
        if ann.get('image_id') not in by_image:
            raise RealDataError(f'{ann_file}: annotation {ann.get("id")} refers to image_id '
                                f'{ann.get("image_id")!r}, which "images" does not list')
        by_image[ann['image_id']].append(ann)
    entries = []
    for img in sorted(coco['images'], key=lambda im: im['file_name']):
        name = img['file_name']
        if images_by_name is not None:
            path = images_by_name.get(osp.basename(name))
        else:
            path = next((osp.join(d, name) for d in image_dirs
                         if osp.isfile(osp.join(d, name))), None)
        if path is None:
            where = image_dirs if image_dirs is not None else 'img_dir/<split>'
            raise RealDataError(f'{ann_file}: image {name!r} not found in {where}; put the '
                                f'image there or drop it from the json')
        size = (int(img['height']), int(img['width'])) if 'height' in img else None
        entries.append(_Entry(osp.splitext(osp.basename(name))[0], path, ann_file,
                              annotations=by_image[img['id']], coco_size=size))
    stems = [e.id for e in entries]
    if len(set(stems)) != len(stems):
        raise RealDataError(f'{ann_file}: two images share a file stem; rename them (the stem '
                            f'is the sample id)')
    if task == 'keypoints':
        names = _keypoint_names(coco, ann_file, options)
        return _make_set(task, entries, {**options, 'classes': names, 'keypoints': names},
                         source=ann_file)
    category_map, classes = _category_map(coco['categories'], options, ann_file)
    return _make_set(task, entries, {'palette': None, **options, 'classes': classes,
                                     'category_map': category_map}, source=ann_file)


def _category_map(categories: list[dict], options: dict, ann_file: str
                  ) -> tuple[dict[int, int], list[str]]:
    """Category id -> class id, and the class names (class 0 = background)."""
    by_name = {c['name']: c['id'] for c in categories}
    given = options.get('category_map')
    if given is None:
        ordered = sorted(categories, key=lambda c: c['id'])
        mapping = {c['id']: k + 1 for k, c in enumerate(ordered)}
        return mapping, ['background'] + [c['name'] for c in ordered]
    mapping = {}
    for key, class_id in dict(given).items():
        category = by_name.get(key, key)
        if category not in {c['id'] for c in categories}:
            raise RealDataError(f'real_data.category_map names {key!r}, which is not a category '
                                f'of {ann_file} ({sorted(by_name)})')
        mapping[category] = int(class_id)
    classes = options.get('classes')
    if classes is None:
        names = {v: k for k, v in by_name.items()}
        classes = ['background'] + [''] * max(mapping.values())
        for category, class_id in mapping.items():
            classes[class_id] = names[category]
    return mapping, list(classes)


def _keypoint_names(coco: dict, ann_file: str, options: dict) -> list[str]:
    with_kp = [c for c in coco['categories'] if c.get('keypoints')]
    if options.get('keypoints'):
        return list(options['keypoints'])
    if len(with_kp) != 1:
        raise RealDataError(f'{ann_file}: expected one category with "keypoints" names, found '
                            f'{len(with_kp)}; set real_data.keypoints=[names] in the config')
    return list(with_kp[0]['keypoints'])


def _keypoints_of(entry: _Entry, num_keypoints: int) -> np.ndarray:
    """(K, 3) of the image's annotation with the most labeled keypoints (then largest area)."""
    candidates = [a for a in entry.annotations if a.get('keypoints')]
    if not candidates:
        raise RealDataError(f'{entry.source}: image {entry.image_path} has no annotation with '
                            f'"keypoints"; annotate it or drop it from the json')
    best = max(candidates, key=lambda a: (sum(v > 0 for v in a['keypoints'][2::3]),
                                          float(a.get('area', 0.0))))
    points = np.asarray(best['keypoints'], dtype=np.float32).reshape(-1, 3)
    if len(points) != num_keypoints:
        raise RealDataError(f'{entry.source}: annotation {best.get("id")} has {len(points)} '
                            f'keypoints, the category names {num_keypoints}')
    return points


# ------------------------------------------------------------------------------------ common
def _make_set(task: str, entries: list[_Entry], options: dict, source: str) -> RealLabeledSet:
    classes = ['depth'] if task == 'depth' else options.get('classes')
    if not classes:
        raise RealDataError(f'{source}: class names unknown; write metainfo.json with '
                            f'"classes" in the dataset root, or set real_data.classes=[...] '
                            f'(--cfg-options)')
    palette = options.get('palette') if task == 'seg' else None
    if palette is not None and len(palette) < len(classes):
        raise RealDataError(f'{source}: {len(palette)} palette colours for {len(classes)} '
                            f'classes; give one [r, g, b] per class')
    return RealLabeledSet(task=task, classes=list(classes),
                          palette=[list(map(int, c)) for c in palette] if palette else None,
                          entries=entries,
                          keypoint_names=list(options.get('keypoints') or classes)
                          if task == 'keypoints' else None,
                          depth_scale=float(options.get('depth_scale', 1.0)),
                          category_map=dict(options.get('category_map') or {}))


def _folder_meta(root: str) -> dict:
    """classes / palette / keypoints / depth_scale of ``metainfo.json`` or ``meta.json``."""
    for name in ('metainfo.json', 'meta.json'):
        path = osp.join(root, name)
        if osp.isfile(path):
            meta = _read_json(path)
            return {k: meta[k] for k in ('classes', 'palette', 'keypoints', 'depth_scale')
                    if k in meta}
    return {}


def _read_json(path: str) -> dict:
    if not osp.isfile(path):
        raise RealDataError(f'{path} not found')
    try:
        with open(path) as f:
            return json.load(f)
    except json.JSONDecodeError as err:
        raise RealDataError(f'{path} is not valid JSON ({err}): fix the syntax') from err


def _read_rgb(path: str) -> np.ndarray:
    try:
        with Image.open(path) as image:
            return np.asarray(image.convert('RGB'))
    except OSError as err:
        raise RealDataError(f'{path} cannot be read as an image ({err}): re-export it as PNG '
                            f'or JPEG') from err
