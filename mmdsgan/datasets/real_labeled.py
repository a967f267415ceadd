"""Readers of real labeled images for HandsOff inversion: MMSeg folders and COCO JSON.

Supported inputs (``fmt``):

``'mmseg'``::

    root/img_dir/<split>/<id>.{png,jpg,jpeg,bmp}   RGB images
    root/ann_dir/<split>/<id>.png                 task seg: class-index PNG (8-bit grey or palette)
    root/depth_dir/<split>/<id>.png               task depth: 16-bit PNG (value = depth * scale)
    root/keypoints/<split>.json                   task keypoints: COCO keypoints (file_name = image)
    root/metainfo.json or root/meta.json          optional: classes, palette, keypoints, depth_scale

``'coco'``: one COCO JSON (``root`` itself when it is a ``.json``, ``real_data.ann_file``, else
the first of ``root/annotations/{<split>,instances_<split>,person_keypoints_<split>}.json`` and
``root/annotations.json``), images found at ``root/<split>/``, ``root/images/<split>/``,
``root/images/``, ``root/JPEGImages/`` or ``root/`` + ``file_name``, or at the entry's ``path``
relative to the json (Car-Parts' layout). Task seg: polygons / RLE to a class-index mask by
pycocotools (:mod:`~mmdsgan.datasets.coco_masks`: smaller annotations on top); the classes are
``background`` (which categories named ``_background_`` / ``background`` join) + the other
categories, in the order of ``real_data.category_map`` (name or id -> class id) or else of
category id. Task keypoints: of several annotations of an image, the one with the most labeled
keypoints (then the largest area).

Datasets as their authors ship them (``fmt`` in :data:`REGISTERED_FORMATS`: ``'car-parts'``,
``'celebamask-hq'``, ``'cityscapes'``, ``'deepfashion-mm'``; task seg) are listed by their
registered MMSeg dataset (:mod:`mmdsgan.datasets.real`, its own split names) and each label is
read by the same reader MMSeg evaluation uses. ``'cityscapes-depth'`` (task depth) reads
Cityscapes' disparity as depth in meters (:mod:`~.real.cityscapes_depth`) with
``depth_scale`` 256: labeled-latent PNGs keep 1/256 m and clip depths above 255.99 m.
``real_data.class_merge`` (target class -> source classes,
:mod:`~mmdsgan.datasets.real.class_merge`) merges the classes of any format.

Every sample is brought to the generator's ``size x size`` by :class:`~.square_fit.SquareFit`
(shorter side to ``size``, centre crop; labels nearest, keypoints transformed with the image).
COCO keypoints, like the toy domain's, are pixel indices (pixel centres at integers).

Before any sample is loaded, :func:`read_real_labeled` checks the whole split cheaply
(:meth:`RealLabeledSet.check`: image and label headers and the COCO json, no pixel decoding)
and lists every problem at once in one :class:`RealDataError` (``N problem(s) in SOURCE:`` then
one line each): images PIL cannot open, images without a faithful 8-bit RGB conversion (16-bit
or 32-bit/float greyscale, PIL modes ``I;16*``, ``I``, ``F``: refused, not clipped to white;
8-bit grey, palette, RGBA, LA, CMYK, ... are converted to RGB), image sizes differing from the
COCO json or the label, and COCO segmentations that would silently turn into background or
crash (missing, empty, polygons under 3 points, malformed RLE: see
:func:`~mmdsgan.datasets.coco_masks.check_segmentation`). Structural faults of a COCO json (a
top level that is not an object, entries without ``id`` / ``file_name``, an image id listed
twice, annotations of unknown images, missing image files) are listed the same way.
"""
from __future__ import annotations

import glob
import json
import os.path as osp
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np
from PIL import Image

from mmdsgan.tasks import get_task
from mmdsgan.tasks.depth import read_depth_png
from mmdsgan.tasks.seg import read_index_png
from mmdsgan.utils.paths import path_inside

from .coco_masks import CocoFormatError, check_segmentation, class_index_mask
from .label_io import LabelFileError, meta_path
from .real.cityscapes_depth import read_cityscapes_depth
from .real.class_merge import ClassMerge
from .real.label_readers import fit_label_to_image, read_real_label
from .square_fit import SquareFit

__all__ = ['RealDataError', 'RealSample', 'RealLabeledSet', 'read_real_labeled', 'list_images',
           'read_rgb', 'load_coco_json',
           'find_coco_image', 'coco_source_classes', 'BACKGROUND_CATEGORIES']

IMAGE_EXTS = ('.png', '.jpg', '.jpeg', '.bmp')
IGNORE_INDEX = 255
FORMATS = ('mmseg', 'coco')
#: datasets read as their authors ship them (--format NAME): the registered dataset type
REGISTERED_FORMATS = {'car-parts': 'CarPartsDataset', 'celebamask-hq': 'CelebAMaskHQDataset',
                      'cityscapes': 'CityscapesLabelIdsDataset',
                      'cityscapes-depth': 'CityscapesDepthDataset',
                      'deepfashion-mm': 'DeepFashionMMDataset'}
# PIL modes with a faithful conversion to 8-bit RGB (others, e.g. 16-bit grey 'I;16', are refused)
RGB_CONVERTIBLE_MODES = ('1', 'L', 'P', 'PA', 'LA', 'RGB', 'RGBA', 'RGBX', 'RGBa', 'CMYK',
                         'YCbCr')
_COCO_OBJECT = ('COCO JSON is {"images": [...], "annotations": [...], "categories": [...]}; '
                'fix the file or point real_data.ann_file at the right one')
_META_OBJECT = ('the meta file is {"classes": [...], "palette": [...], ...}; fix or remove it')


class RealDataError(LabelFileError):
    """Real labeled input that cannot be read; the message names the file and the fix."""


@dataclass
class RealSample:
    """One real image and its label, fitted to the generator's resolution.

    Attributes:
        id: file stem, used for every output file.
        image_path: the source image.
        image: (size, size, 3) uint8.
        label: seg (size, size) uint8 class ids; depth (size, size) float32 depth (PNG value /
            depth_scale, 0 = unknown);
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
    data_info: dict | None = None  # a sample of a registered real dataset (label_readers)


@dataclass
class RealLabeledSet:
    """The samples of one split, read lazily: ``len(s)``, ``s.ids``, ``s.load(i, size)``.

    Attributes:
        task: 'seg', 'depth' or 'keypoints'.
        classes: class names (seg), ``['depth']`` or the keypoint names.
        palette: [r, g, b] per class (seg) or None.
        keypoint_names: keypoint names (keypoints task), else None.
        depth_scale: PNG value per depth unit (depth task).
        source: the dataset root or the COCO json, for messages.
        merge: ``real_data.class_merge`` as a :class:`~.real.class_merge.ClassMerge` (seg),
            applied after reading; None: the labels' own classes.
    """
    task: str
    classes: list[str]
    palette: list[list[int]] | None
    entries: list[_Entry]
    keypoint_names: list[str] | None = None
    depth_scale: float = 1.0
    category_map: dict[int, int] = field(default_factory=dict)
    source: str = ''
    merge: ClassMerge | None = None

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def ids(self) -> list[str]:
        return [e.id for e in self.entries]

    def problems(self) -> list[str]:
        """Every problem found from file headers and the COCO json, without decoding pixels
        (what is checked: module doc); empty: all good.

        Annotations of a category missing from ``category_map`` are left to :meth:`load`, which
        refuses them naming the category.
        """
        found = []
        for entry in self.entries:
            try:
                with Image.open(entry.image_path) as image:
                    mode, (width, height) = image.mode, image.size
            except OSError as err:
                found.append(_unreadable(entry.image_path, err))
                continue
            problem = _mode_problem(entry.image_path, mode)
            if problem is not None:
                found.append(problem)
            shape = (height, width)
            if entry.coco_size is not None and tuple(entry.coco_size) != shape:
                found.append(_coco_size_problem(entry, shape))
            if self.task == 'keypoints' or entry.data_info is not None:
                continue  # registered datasets: labels checked when read
            if entry.annotations is None:
                found += _label_header_problems(entry, shape)
                continue
            for k, ann in enumerate(entry.annotations):
                if ann.get('category_id') not in self.category_map:
                    continue
                try:
                    check_segmentation(ann.get('segmentation'), height, width)
                except CocoFormatError as err:
                    found.append(f'{entry.source}: annotation {ann.get("id", k)} of image '
                                 f'{entry.image_path}: {err}')
        return found

    def check(self) -> None:
        """Raise one :class:`RealDataError` listing all :meth:`problems`, if any."""
        found = self.problems()
        if found:
            raise _problems_error(found, self.source)

    def load(self, index: int, size: int) -> RealSample:
        """Read sample ``index`` and fit it to ``size x size``."""
        entry = self.entries[index]
        image = read_rgb(entry.image_path)
        fit = SquareFit.for_shape(image.shape[0], image.shape[1], size)
        if entry.data_info is not None and self.task == 'depth':  # cityscapes-depth: meters
            label = fit_label_to_image(read_cityscapes_depth(entry.data_info), image.shape[:2],
                                       entry.data_info['disparity_path'], entry.image_path)
        elif entry.data_info is not None:  # read, fitted to the image and merged by its reader
            label = read_real_label(entry.data_info, image.shape[:2])
        else:
            label = self._read_label(entry, image.shape[:2])
        if self.task == 'seg' and entry.data_info is None:
            num = len(self.merge.source_classes if self.merge else self.classes)
            bad = np.unique(label[(label >= num) & (label != IGNORE_INDEX)])
            if bad.size:
                raise RealDataError(f'{entry.source}: class ids {bad.tolist()} of {entry.id} '
                                    f'are outside 0..{num - 1} ({IGNORE_INDEX} = '
                                    f'ignore); fix the label or real_data.classes')
            if self.merge is not None:
                label = self.merge.lut[label]
        return RealSample(entry.id, entry.image_path, fit.image(image),
                          get_task(self.task).fit(fit, label), fit)

    def _read_label(self, entry: _Entry, shape: tuple[int, int]) -> np.ndarray:
        if entry.coco_size is not None and tuple(entry.coco_size) != tuple(shape):
            raise RealDataError(_coco_size_problem(entry, shape))
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
            label = read_depth_png(entry.source, self.depth_scale)
        if label.shape != tuple(shape):
            raise RealDataError(f'{entry.source}: label is {label.shape[1]}x{label.shape[0]}, '
                                f'its image {entry.image_path} is {shape[1]}x{shape[0]}; '
                                f'save the label at the image size')
        return label


def read_real_labeled(root: str, fmt: str = 'mmseg', split: str = 'train', task: str = 'seg',
                      real_data: Mapping[str, Any] | None = None) -> RealLabeledSet:
    """List the labeled images of ``root`` (layouts in the module doc).

    Args:
        root: dataset folder (``coco``: or the json itself).
        fmt: 'mmseg', 'coco', or a dataset as shipped (:data:`REGISTERED_FORMATS`:
            'car-parts', 'celebamask-hq', 'cityscapes', 'deepfashion-mm'; seg only;
            'cityscapes-depth': depth only, meters, ``depth_scale`` 256).
        split: sub-folder / annotation-file name (a dataset's own split name: 'train',
            'test', ...).
        task: 'seg', 'depth' (mmseg and cityscapes-depth only) or 'keypoints'.
        real_data: overrides of the folder's meta: ``classes``, ``palette``, ``depth_scale``,
            ``keypoints`` (names), ``category_map`` (COCO: category name or id -> class id),
            ``ann_file`` (COCO json path), ``class_merge`` (seg: target class -> source
            classes, :mod:`~mmdsgan.datasets.real.class_merge`).

    Raises:
        RealDataError: the first problem found in the layout / json, or every problem found
            by :meth:`RealLabeledSet.check` at once.
    """
    if fmt not in FORMATS + tuple(REGISTERED_FORMATS):
        raise RealDataError(f'unknown format {fmt!r}: use one of '
                            f'{list(FORMATS) + list(REGISTERED_FORMATS)}')
    try:
        get_task(task)
    except ValueError as err:
        raise RealDataError(str(err)) from None
    real_data = {k: v for k, v in dict(real_data or {}).items() if v is not None}
    if fmt == 'coco' and osp.isfile(root) and root.endswith('.json'):
        real_data.setdefault('ann_file', root)  # the natural call: the json itself
        root = osp.dirname(osp.abspath(root))
    if not osp.isdir(root):
        raise RealDataError(f'{root} is not a folder: give the real dataset root with --data')
    if fmt in REGISTERED_FORMATS:
        real = _read_registered(root, fmt, split, task, real_data)
    else:
        options = {**_folder_meta(root), **real_data}
        if fmt == 'coco':
            real = _read_coco(root, split, task, options)
        else:
            real = _read_mmseg(root, split, task, options)
    real.check()  # headers only: all problems of the split at once, before any long work
    return real


# ----------------------------------------------------------------------- datasets as shipped
def _read_registered(root: str, fmt: str, split: str, task: str,
                     options: dict) -> RealLabeledSet:
    """The samples of a registered dataset of :mod:`mmdsgan.datasets.real` (its own layout,
    split names and class merge), labels read by the same reader as MMSeg evaluation uses."""
    keypoints = task == 'keypoints' and fmt == 'deepfashion-mm'
    depth = fmt == 'cityscapes-depth'
    if depth and task != 'depth':
        raise RealDataError(f'--format {fmt} reads depth only; use --task depth (or --format '
                            f'cityscapes for segmentation)')
    if task != 'seg' and not (keypoints or depth):
        raise RealDataError(f'--format {fmt} reads segmentation labels only (deepfashion-mm '
                            f'also keypoints, cityscapes-depth depth); use --task seg')
    from mmseg.registry import DATASETS
    merge = {} if depth else dict(class_merge=options.get('class_merge'))
    dataset = DATASETS.build(dict(type=REGISTERED_FORMATS[fmt], data_root=root, split=split,
                                  pipeline=[], serialize_data=False, **merge))
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    entries = [_Entry(osp.splitext(osp.basename(info['img_path']))[0], info['img_path'], root,
                      data_info=info) for info in infos]
    stems = [e.id for e in entries]
    if len(set(stems)) != len(stems):
        raise RealDataError(f'{root}: two images of split {split!r} share a file stem (the '
                            f'sample id); rename them')
    if keypoints:
        return _deepfashion_keypoints_set(root, entries, options)
    if depth:  # meters; 256 PNG values per meter in labeled-latent PNGs (clipped at 255.99 m)
        return _make_set('depth', entries, {'depth_scale': options.get('depth_scale', 256.0)},
                         source=root)
    palette = options.get('palette') or dataset.metainfo.get('palette')
    return _make_set('seg', entries, {'classes': dataset.metainfo['classes'],
                                      'palette': palette}, source=root)


def _deepfashion_keypoints_set(root: str, entries: list[_Entry],
                               options: dict) -> RealLabeledSet:
    """The samples' keypoints (DeepFashion-MultiModal's txt files) as one COCO-like
    annotation each, read by the keypoints path of :class:`RealLabeledSet`."""
    from .real.deepfashion_mm import DEEPFASHION_MM_KEYPOINTS, read_deepfashion_keypoints
    table = read_deepfashion_keypoints(root)
    missing = [e.id for e in entries if e.id not in table]
    if missing:
        raise RealDataError(f'{root}/keypoints/keypoints_loc.txt has no keypoints for '
                            f'{len(missing)} image(s) of the split, e.g. {missing[0]}')
    source = osp.join(root, 'keypoints', 'keypoints_loc.txt')
    entries = [_Entry(e.id, e.image_path, source,
                      annotations=[dict(id=e.id, keypoints=table[e.id].reshape(-1).tolist())])
               for e in entries]
    names = list(options.get('keypoints') or DEEPFASHION_MM_KEYPOINTS)
    return _make_set('keypoints', entries, {'classes': names, 'keypoints': names}, source=root)


# ------------------------------------------------------------------------------------- mmseg
def _read_mmseg(root: str, split: str, task: str, options: dict) -> RealLabeledSet:
    img_dir = osp.join(root, 'img_dir', split)
    images = list_images(img_dir)
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


def list_images(img_dir: str) -> list[str]:
    """The images of a folder (by extension), sorted; none, or two sharing a stem (the sample
    id), is a :class:`RealDataError`."""
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
        candidates.append(osp.join(root, 'annotations.json'))  # Car-Parts: <set>/annotations.json
        ann_file = next((c for c in candidates if osp.isfile(c)), None)
        if ann_file is None:
            raise RealDataError(f'no COCO json found: tried {candidates}; put it there, give the '
                                f'json itself as the data path, or set '
                                f'real_data.ann_file=<path> (--cfg-options)')
    image_dirs = [osp.join(root, split), osp.join(root, 'images', split),
                  osp.join(root, 'images'), osp.join(root, 'JPEGImages'), root]
    return _coco_set(ann_file, task, options, image_dirs=image_dirs)


def _coco_set(ann_file: str, task: str, options: dict,
              images_by_name: dict[str, str] | None = None,
              image_dirs: list[str] | None = None) -> RealLabeledSet:
    coco = load_coco_json(ann_file, task)
    problems = []
    by_image: dict[Any, list] = {img['id']: [] for img in coco['images']}
    for ann in coco['annotations']:
        by_image[ann['image_id']].append(ann)
    entries = []
    for img in sorted(coco['images'], key=lambda im: im['file_name']):
        name = img['file_name']
        if images_by_name is not None:
            path = images_by_name.get(osp.basename(name))
        else:
            path = find_coco_image(img, ann_file, image_dirs)
        if path is None:
            where = image_dirs if image_dirs is not None else 'img_dir/<split>'
            problems.append(f'{ann_file}: image {name!r} not found in {where}; put the image '
                            f'there or drop it from the json')
            continue
        size = (int(img['height']), int(img['width'])) if 'height' in img else None
        entries.append(_Entry(osp.splitext(osp.basename(name))[0], path, ann_file,
                              annotations=by_image[img['id']], coco_size=size))
    if problems:
        raise _problems_error(problems, ann_file)
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


def load_coco_json(ann_file: str, task: str = 'seg') -> dict:
    """The COCO json at ``ann_file``, its structure checked (every fault listed at once).

    Raises:
        RealDataError: not JSON, not COCO, or entries the readers cannot use.
    """
    coco = _read_json(ann_file, _COCO_OBJECT)
    for key in ('images', 'annotations', 'categories'):
        if not isinstance(coco.get(key), list):
            raise RealDataError(f'{ann_file}: not COCO JSON (no "{key}" list); {_COCO_OBJECT}')
    problems = _coco_structure_problems(coco, ann_file, task)
    if problems:
        raise _problems_error(problems, ann_file)
    return coco


def find_coco_image(img: dict, ann_file: str, image_dirs: list[str]) -> str | None:
    """The file of COCO image entry ``img``: the first existing of ``<dir>/<file_name>`` for
    each of ``image_dirs``, then the entry's ``path`` (Car-Parts writes ``JPEGImages/x.jpg``)
    relative to the json's folder; None when there is none. Paths stay inside their folder."""
    name = img['file_name']
    candidates = [path_inside(d, name, f'{ann_file}: image file_name') for d in image_dirs]
    if isinstance(img.get('path'), str) and img['path']:
        candidates.append(path_inside(osp.dirname(osp.abspath(ann_file)), img['path'],
                                      f'{ann_file}: image path'))
    return next((c for c in candidates if osp.isfile(c)), None)


#: COCO category names that mean "no part" (Car-Parts ships ``_background_`` as category 1):
#: they become class 0, ``background``, not a class of their own.
BACKGROUND_CATEGORIES = ('_background_', 'background')


def coco_source_classes(categories: list[dict]) -> tuple[list[str], dict[Any, int]]:
    """The classes of a COCO json: ``background`` (class 0, which the categories named in
    :data:`BACKGROUND_CATEGORIES` join), then the other categories in id order; and the map
    category id -> class id."""
    ordered = sorted(categories, key=lambda c: c['id'])
    classes, mapping = ['background'], {}
    for cat in ordered:
        if cat['name'] in BACKGROUND_CATEGORIES:
            mapping[cat['id']] = 0
        else:
            mapping[cat['id']] = len(classes)
            classes.append(cat['name'])
    return classes, mapping


def _coco_structure_problems(coco: dict, ann_file: str, task: str) -> list[str]:
    """Entries of the json that the reader cannot use (duplicate image ids first)."""
    problems, names_by_id = [], {}
    listed_ids = {img.get('id') for img in coco['images']
                  if isinstance(img, dict) and _is_id(img.get('id'))}
    for k, img in enumerate(coco['images']):
        if not isinstance(img, dict):
            problems.append(f'{ann_file}: images[{k}] is a JSON {_json_kind(img)}, not an '
                            f'object; write {{"id": ..., "file_name": ..., "width": ..., '
                            f'"height": ...}}')
            continue
        image_id = img.get('id', f'images[{k}]')
        missing = ' or '.join('"' + key + '"' for key in ('id', 'file_name') if key not in img)
        if missing:
            problems.append(f'{ann_file}: image {image_id} has no {missing}; give every image '
                            f'its "id" and "file_name"')
            continue
        if not _is_id(img['id']) or not isinstance(img['file_name'], str):
            problems.append(f'{ann_file}: image {image_id!r}: "id" must be a number or string '
                            f'and "file_name" a string (got {img["file_name"]!r}); fix the entry')
            continue
        names_by_id.setdefault(img['id'], []).append(img['file_name'])
        if ('width' in img or 'height' in img) and not all(
                _is_pixel_count(img.get(key)) for key in ('width', 'height')):
            problems.append(f'{ann_file}: image {image_id} ({img["file_name"]}): "width" '
                            f'{img.get("width")!r} and "height" {img.get("height")!r} must both '
                            f'be pixel counts; fix them or drop both')
    duplicates = []
    for image_id, names in names_by_id.items():
        if len(names) > 1:
            times = 'twice' if len(names) == 2 else f'{len(names)} times'
            duplicates.append(f'{ann_file}: image id {image_id!r} appears {times} in images (file '
                              f'names {", ".join(names)}); give each image its own id (and '
                              f'its annotations the matching image_id)')
    for k, ann in enumerate(coco['annotations']):
        if not isinstance(ann, dict):
            problems.append(f'{ann_file}: annotations[{k}] is a JSON {_json_kind(ann)}, not an '
                            f'object; fix or delete it')
        elif not _is_id(ann.get('image_id')) or ann['image_id'] not in listed_ids:
            problems.append(f'{ann_file}: annotation {ann.get("id", k)} refers to image_id '
                            f'{ann.get("image_id")!r}, which "images" does not list; fix the '
                            f'image_id or delete the annotation')
    need = () if task == 'keypoints' else ('id', 'name')  # keypoints: names read by key
    for k, cat in enumerate(coco['categories']):
        if not isinstance(cat, dict) or any(key not in cat for key in need):
            keys = ' and '.join('"' + key + '"' for key in need)
            problems.append(f'{ann_file}: categories[{k}] is not an object'
                            f'{" with " + keys if keys else ""}; fix it')
    return duplicates + problems


def _category_map(categories: list[dict], options: dict, ann_file: str
                  ) -> tuple[dict[int, int], list[str]]:
    """Category id -> class id, and the class names (class 0 = background)."""
    by_name = {c['name']: c['id'] for c in categories}
    given = options.get('category_map')
    if given is None:
        classes, mapping = coco_source_classes(categories)
        return mapping, classes
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
    merge = None
    if task == 'seg' and options.get('class_merge') is not None:
        merge = ClassMerge(classes, options['class_merge'], where='real_data.class_merge')
        classes = merge.classes
        if palette is not None and len(palette) != len(classes):
            palette = None  # the folder's colours are those of its own classes
    if palette is not None and len(palette) < len(classes):
        raise RealDataError(f'{source}: {len(palette)} palette colours for {len(classes)} '
                            f'classes; give one [r, g, b] per class')
    return RealLabeledSet(task=task, classes=list(classes),
                          palette=[list(map(int, c)) for c in palette] if palette else None,
                          entries=entries,
                          keypoint_names=list(options.get('keypoints') or classes)
                          if task == 'keypoints' else None,
                          depth_scale=float(options.get('depth_scale', 1.0)),
                          category_map=dict(options.get('category_map') or {}), source=source,
                          merge=merge)


def _folder_meta(root: str) -> dict:
    """classes / palette / keypoints / depth_scale of the folder's meta file (:func:`meta_path`:
    ``metainfo.json``, or the older ``meta.json``)."""
    path = meta_path(root)
    if not osp.isfile(path):
        return {}
    meta = _read_json(path, _META_OBJECT)
    return {k: meta[k] for k in ('classes', 'palette', 'keypoints', 'depth_scale') if k in meta}


def _read_json(path: str, expect: str) -> dict:
    """The JSON object of ``path``; ``expect`` (what it should hold) completes the message."""
    if not osp.isfile(path):
        raise RealDataError(f'{path} not found')
    try:
        with open(path, encoding='utf-8') as f:
            data = json.load(f)
    except json.JSONDecodeError as err:
        raise RealDataError(f'{path} is not valid JSON ({err}): fix the syntax') from err
    except UnicodeDecodeError as err:
        raise RealDataError(f'{path} is not UTF-8 text ({err}): save it as UTF-8 JSON') from err
    if not isinstance(data, dict):
        raise RealDataError(f'{path}: the top level is a JSON {_json_kind(data)}, expected an '
                            f'object: {expect}')
    return data


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return 'true/false'
    for kind, name in ((dict, 'object'), (list, 'list'), (str, 'string'),
                       ((int, float), 'number')):
        if isinstance(value, kind):
            return name
    return 'null' if value is None else type(value).__name__


def _is_id(value: Any) -> bool:
    return isinstance(value, (int, str)) and not isinstance(value, bool)


def _is_pixel_count(value: Any) -> bool:
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and float(value).is_integer() and value > 0)


def _problems_error(problems: list[str], source: str) -> RealDataError:
    """One problem: its own line; several: ``N problem(s) in SOURCE:`` and one line each."""
    if len(problems) == 1:
        return RealDataError(problems[0])
    return RealDataError(f'{len(problems)} problem(s) in {source}:\n  ' + '\n  '.join(problems))


def _mode_problem(path: str, mode: str) -> str | None:
    """Why an image of PIL ``mode`` is refused (None: it converts faithfully to 8-bit RGB)."""
    if mode in RGB_CONVERTIBLE_MODES:
        return None
    if mode.startswith('I;16'):
        kind = '16-bit greyscale image'
    elif mode.startswith('I'):
        kind = '32-bit integer greyscale image'
    elif mode.startswith('F'):
        kind = '32-bit float greyscale image'
    else:
        kind = 'image'
    return (f'{path}: {kind} (PIL mode {mode!r}) has no faithful 8-bit RGB conversion (PIL '
            f'would clip it, e.g. to white); save it as 8-bit RGB (scaled to 0..255) and re-run')


def _unreadable(path: str, err: Exception) -> str:
    return f'{path} cannot be read as an image ({err}): re-export it as PNG or JPEG'


def _coco_size_problem(entry: _Entry, shape: tuple[int, int]) -> str:
    return (f'{entry.source}: image {entry.image_path} is {shape[1]}x{shape[0]} but the json '
            f'says {entry.coco_size[1]}x{entry.coco_size[0]}; fix "width"/"height" or the image')


def _label_header_problems(entry: _Entry, shape: tuple[int, int]) -> list[str]:
    """A label file (mmseg seg / depth) that cannot be opened, or of another size than its
    image (header only; the values are checked by :meth:`RealLabeledSet.load`)."""
    try:
        with Image.open(entry.source) as label:
            width, height = label.size
    except OSError as err:
        return [f'{entry.source} cannot be read as an image ({err}): save the label as PNG']
    if (height, width) != tuple(shape):
        return [f'{entry.source}: label is {width}x{height}, its image {entry.image_path} is '
                f'{shape[1]}x{shape[0]}; save the label at the image size']
    return []


def read_rgb(path: str) -> np.ndarray:
    """An image file as (H, W, 3) uint8 RGB; modes without a faithful conversion (16-bit
    grey, ...) and unreadable files are a :class:`RealDataError` naming the file."""
    try:
        with Image.open(path) as image:
            problem = _mode_problem(path, image.mode)
            if problem is None:
                return np.asarray(image.convert('RGB'))
    except OSError as err:
        raise RealDataError(_unreadable(path, err)) from err
    raise RealDataError(problem)
