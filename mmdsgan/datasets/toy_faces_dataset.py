"""The built-in toy domain (cartoon faces) as MMSeg datasets of real, labeled images: parts
(segmentation), depth and keypoints."""
import json
import os
import os.path as osp

import numpy as np
from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from mmdsgan.utils.errors import InputError, MissingFileError
from mmdsgan.utils.paths import check_folder_name, path_inside

from .label_io import META_NAME
from .sample_ids import select_samples
from .synthetic import check_depth_rescale
from .toy_faces import TOY_FACE_CLASSES, TOY_FACE_KEYPOINTS, TOY_FACE_PALETTE


@DATASETS.register_module()
class ToyFacesDataset(BaseSegDataset):
    """Rendered toy faces written by ``tools/make_toy_data.py`` (MMSeg layout).

    ``img_dir/<split>/<id>.png`` images and ``ann_dir/<split>/<id>.png`` index PNGs whose values
    are ids into :data:`TOY_FACE_CLASSES` (0 = background, a real class, not ignored).
    All :class:`mmseg.datasets.BaseSegDataset` arguments apply.
    """

    METAINFO = dict(classes=TOY_FACE_CLASSES, palette=[list(c) for c in TOY_FACE_PALETTE])

    def __init__(self, img_suffix: str = '.png', seg_map_suffix: str = '.png',
                 reduce_zero_label: bool = False, **kwargs) -> None:
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix,
                         reduce_zero_label=reduce_zero_label, **kwargs)


def _toy_meta(data_root: str) -> dict:
    """``<data_root>/metainfo.json`` of a toy folder (``tools/make_toy_data.py``)."""
    path = osp.join(data_root, META_NAME)
    if not osp.isfile(path):
        raise MissingFileError(f'{path} not found: write the toy faces with python '
                               f'tools/make_toy_data.py {data_root} --num N --split SPLIT')
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except json.JSONDecodeError as err:
        raise InputError(f'{path} is not valid JSON ({err}); re-run tools/make_toy_data.py '
                         f'on {data_root} --force') from err


@DATASETS.register_module()
class ToyFacesDepthDataset(BaseSegDataset):
    """The real toy faces' depth: ``img_dir/<split>/<id>.png`` with ``depth_dir/<split>/<id>.png``
    (16-bit, ``value = depth * depth_scale``, the scale of ``metainfo.json``).

    Read the labels with MMSeg's ``LoadDepthAnnotation(depth_rescale_factor=1 / depth_scale)``
    (another factor is refused) and pack them with ``PackSegInputs`` (``gt_depth_map``).

    Args:
        data_root: the toy folder.
        split: ``train``, ``val``, ``test``, ...
        **kwargs: other :class:`mmseg.datasets.BaseSegDataset` arguments (``pipeline``;
            ``ann_file``: a text file of the sample ids to read, one per line).

    Records carry ``img_path``, ``depth_map_path`` and ``depth_scale``.
    """

    METAINFO = dict(classes=('depth',), palette=[[255, 255, 255]])

    def __init__(self, data_root: str, split: str = 'train', **kwargs) -> None:
        meta = _toy_meta(data_root)
        if not meta.get('depth_scale'):
            raise InputError(f'{osp.join(data_root, META_NAME)} has no "depth_scale": re-run '
                             f'tools/make_toy_data.py on {data_root} --force')
        self.split = split
        self.depth_scale = float(meta['depth_scale'])
        check_depth_rescale(kwargs.get('pipeline'), self.depth_scale,
                            osp.join(data_root, META_NAME))
        super().__init__(data_root=data_root, img_suffix='.png', seg_map_suffix='.png',
                         **kwargs)

    def load_data_list(self) -> list:
        check_folder_name(self.split, 'ToyFacesDepthDataset: split')
        img_dir = osp.join(self.data_root, 'img_dir', self.split)
        depth_dir = osp.join(self.data_root, 'depth_dir', self.split)
        names = sorted(n for n in os.listdir(img_dir) if n.endswith('.png')) \
            if osp.isdir(img_dir) else []
        if not names:
            raise InputError(f'{img_dir}: no images; write the split with python '
                             f'tools/make_toy_data.py {self.data_root} --split {self.split}')
        missing = [n for n in names if not osp.isfile(osp.join(depth_dir, n))]
        if missing:
            raise InputError(f'{osp.join(depth_dir, missing[0])} not found ({len(missing)} '
                             f'images without depth): re-run tools/make_toy_data.py on '
                             f'{self.data_root} --split {self.split} without --no-depth')
        return _listed(self, [
            dict(img_path=osp.join(img_dir, n), depth_map_path=osp.join(depth_dir, n),
                 depth_scale=self.depth_scale, seg_fields=[], sample_idx=i,
                 label_map=self.label_map, reduce_zero_label=self.reduce_zero_label)
            for i, n in enumerate(names)])


@DATASETS.register_module()
class ToyFacesKeypointDataset(BaseSegDataset):
    """The real toy faces' keypoints: ``img_dir/<split>/<file_name>`` with the COCO keypoints of
    ``keypoints/<split>.json`` (one annotation per image; pixel centres at integers).

    Each record carries ``gt_keypoints`` (K, 3) float32 ``(x, y, v)`` (v = 0: not labeled);
    pack them with ``PackKeypointInputs``. ``metainfo['classes']`` are the keypoint names.

    Args:
        data_root: the toy folder.
        split: ``train``, ``val``, ``test``, ...
        **kwargs: other :class:`mmseg.datasets.BaseSegDataset` arguments (``pipeline``;
            ``ann_file``: a text file of the sample ids to read, one per line).
    """

    METAINFO = dict(classes=TOY_FACE_KEYPOINTS,
                    palette=[list(c) for c in TOY_FACE_PALETTE[1:1 + len(TOY_FACE_KEYPOINTS)]])

    def __init__(self, data_root: str, split: str = 'train', **kwargs) -> None:
        self.split = split
        super().__init__(data_root=data_root, **kwargs)

    def load_data_list(self) -> list:
        check_folder_name(self.split, 'ToyFacesKeypointDataset: split')
        path = osp.join(self.data_root, 'keypoints', f'{self.split}.json')
        if not osp.isfile(path):
            raise InputError(f'{path} not found: write the split with python '
                             f'tools/make_toy_data.py {self.data_root} --split {self.split}')
        num = len(self.metainfo['classes'])
        try:
            with open(path, encoding='utf-8') as f:
                coco = json.load(f)
            anns = {a['image_id']: a for a in coco['annotations']}
            entries = [(img['file_name'], np.asarray(anns[img['id']]['keypoints'], np.float32))
                       for img in coco['images']]
        except (ValueError, KeyError, TypeError) as err:
            raise InputError(f'{path}: expected COCO keypoints (images with id / file_name, one '
                             f'annotation with keypoints per image) ({err!r})') from err
        infos = []
        for i, (name, flat) in enumerate(entries):
            if flat.size != 3 * num:
                raise InputError(f'{path}: image {name!r} has {flat.size // 3} keypoints, the '
                                 f'dataset names {num} ({list(self.metainfo["classes"])})')
            infos.append(dict(
                img_path=path_inside(osp.join(self.data_root, 'img_dir', self.split), name,
                                     f'{path} ({name})'),
                gt_keypoints=flat.reshape(num, 3), seg_fields=[], sample_idx=i,
                label_map=self.label_map, reduce_zero_label=self.reduce_zero_label))
        return _listed(self, infos)


def _listed(dataset: BaseSegDataset, infos: list) -> list:
    """The records whose ids ``dataset.ann_file`` lists, one per line, in its order (MMSeg's
    ``ann_file`` rule for folder datasets); every record without one."""
    if not dataset.ann_file:
        return infos
    return select_samples(infos, dataset.ann_file,
                          f'split {dataset.split!r} of {dataset.data_root}')
