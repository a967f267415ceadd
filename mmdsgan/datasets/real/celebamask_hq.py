"""CelebAMask-HQ as its authors ship it: per-part mask PNGs and the official split files."""
from __future__ import annotations

import os
import os.path as osp
import re
from typing import Sequence

from mmseg.registry import DATASETS

from mmdsgan.utils.errors import InputError, MissingFileError

from .real_seg_dataset import RealSegDataset

__all__ = ['CelebAMaskHQDataset', 'CELEBAMASK_PARTS']

#: the parts in the order the dataset's own script (g_mask.py) paints them, later over earlier;
#: part k is source class k + 1 (0 = background).
CELEBAMASK_PARTS = ('skin', 'nose', 'eye_g', 'l_eye', 'r_eye', 'l_brow', 'r_brow', 'l_ear',
                    'r_ear', 'mouth', 'u_lip', 'l_lip', 'hair', 'hat', 'ear_r', 'neck_l', 'neck',
                    'cloth')
SPLITS = {'train': 0, 'val': 1, 'test': 2}
_MASK_NAME = re.compile(r'^(\d{5})_([a-z_]+)\.png$')


@DATASETS.register_module()
class CelebAMaskHQDataset(RealSegDataset):
    """CelebAMask-HQ (30,000 faces) read from the folder its authors ship::

        <data_root>/CelebA-HQ-img/<i>.jpg                          1024x1024, i = 0..29999
        <data_root>/CelebAMask-HQ-mask-anno/<i // 2000>/<iiiii>_<part>.png
                                                                   512x512, one per part present
        <data_root>/CelebA-HQ-to-CelebA-mapping.txt                idx orig_idx orig_file
        <data_root>/list_eval_partition.txt                        CelebA's split file (from
                                                                   CelebA's Eval/ folder)

    Labels: the part masks painted in :data:`CELEBAMASK_PARTS` order into a 19-class map
    (0 background, 1 skin ... 18 cloth), as the dataset's script does, then enlarged to the
    image size (nearest, x2) and merged by ``class_merge`` (HandsOff's 8 / 10 classes:
    ``configs/_base_/datasets/celebamask_hq_8.py``, ``..._10.py``).

    Split: CelebA's partition of each image's CelebA original (0 train, 1 val, 2 test), found
    through the mapping file; ``split='all'`` needs neither file. ``ann_file`` (a text file of
    HQ indices, one per line, e.g. the 16 labeled images) selects images instead of ``split``.

    Args:
        split: 'train', 'val', 'test' or 'all'.
        partition_file, mapping_file: the split files, relative to ``data_root``.
        class_merge: target class -> source classes (config data), or None (19 classes).
        **kwargs: :class:`~mmseg.datasets.BaseSegDataset` arguments.
    """

    IMG_DIR = 'CelebA-HQ-img'
    MASK_DIR = 'CelebAMask-HQ-mask-anno'

    def __init__(self, split: str = 'train',
                 partition_file: str = 'list_eval_partition.txt',
                 mapping_file: str = 'CelebA-HQ-to-CelebA-mapping.txt', **kwargs) -> None:
        if split not in (*SPLITS, 'all'):
            raise InputError(f'CelebAMaskHQDataset: split {split!r} unknown; use one of '
                             f'{[*SPLITS, "all"]}')
        self.split = split
        self.partition_file = partition_file
        self.mapping_file = mapping_file
        kwargs.setdefault('img_suffix', '.jpg')
        super().__init__(**kwargs)

    def source_classes(self) -> Sequence[str]:
        return ['background', *CELEBAMASK_PARTS]

    def load_data_list(self) -> list[dict]:
        root = self.data_root or ''
        img_dir = osp.join(root, self.IMG_DIR)
        if not osp.isdir(img_dir):
            raise MissingFileError(f'CelebAMaskHQDataset: {img_dir} not found; data_root must be '
                                   f'the unpacked CelebAMask-HQ folder')
        masks = self._list_masks(osp.join(root, self.MASK_DIR))
        indices = self._selected(root)
        data_list, problems = [], []
        for index in indices:
            image = osp.join(img_dir, f'{index}{self.img_suffix}')
            parts = masks.get(index)
            if not osp.isfile(image):
                problems.append(f'{image} not found')
            elif not parts:
                problems.append(f'no part mask of image {index} in '
                                f'{osp.join(root, self.MASK_DIR, str(index // 2000))}')
            else:
                ordered = [[parts[p], k + 1] for k, p in enumerate(CELEBAMASK_PARTS) if p in parts]
                data_list.append(self.sample(image, 'parts', parts=ordered,
                                             sample=f'{index:05d}'))
        if problems:
            raise MissingFileError(f'{len(problems)} problem(s) in {root}: ' +
                                   '; '.join(problems[:5]) +
                                   (' ...' if len(problems) > 5 else '') +
                                   ' (the layout is in CelebAMaskHQDataset\'s doc)')
        return data_list

    def _list_masks(self, mask_dir: str) -> dict[int, dict[str, str]]:
        """HQ index -> {part: mask file}, from one listing per folder."""
        if not osp.isdir(mask_dir):
            raise MissingFileError(f'CelebAMaskHQDataset: {mask_dir} not found')
        masks: dict[int, dict[str, str]] = {}
        for folder in sorted(os.listdir(mask_dir)):
            path = osp.join(mask_dir, folder)
            if not osp.isdir(path):
                continue
            for name in os.listdir(path):
                if not name.endswith('.png'):
                    continue
                match = _MASK_NAME.match(name)
                if match is None or match.group(2) not in CELEBAMASK_PARTS:
                    raise InputError(f'{osp.join(path, name)}: not <iiiii>_<part>.png with a '
                                     f'part of {list(CELEBAMASK_PARTS)}; rename or remove it')
                masks.setdefault(int(match.group(1)), {})[match.group(2)] = osp.join(path, name)
        return masks

    def _selected(self, root: str) -> list[int]:
        if self.ann_file:
            return [self._index(line, self.ann_file) for line in _lines(self.ann_file)]
        if self.split == 'all':
            return sorted(int(osp.splitext(n)[0]) for n in os.listdir(osp.join(root, self.IMG_DIR))
                          if n.endswith(self.img_suffix) and osp.splitext(n)[0].isdigit())
        mapping = osp.join(root, self.mapping_file)
        partition = osp.join(root, self.partition_file)
        for path, what in ((mapping, 'ships with CelebAMask-HQ'),
                           (partition, "is CelebA's Eval/list_eval_partition.txt")):
            if not osp.isfile(path):
                raise MissingFileError(f'CelebAMaskHQDataset: {path} not found (it {what}); put '
                                       f'it there, or use split=\'all\' or ann_file=<list>')
        split_of = {}
        for line in _lines(partition):
            fields = line.split()
            if len(fields) != 2 or not fields[1].isdigit():
                raise InputError(f'{partition}: line {line!r} is not "<file> <0|1|2>"')
            split_of[fields[0]] = int(fields[1])
        chosen, wanted = [], SPLITS[self.split]
        for line in _lines(mapping)[1:]:  # header: idx orig_idx orig_file
            fields = line.split()
            if len(fields) != 3:
                raise InputError(f'{mapping}: line {line!r} is not "idx orig_idx orig_file"')
            if fields[2] not in split_of:
                raise InputError(f'{mapping}: CelebA file {fields[2]} of HQ image {fields[0]} '
                                 f'is not in {partition}; check both files')
            if split_of[fields[2]] == wanted:
                chosen.append(self._index(fields[0], mapping))
        return sorted(chosen)  # every image of the split: a missing one is reported

    @staticmethod
    def _index(text: str, source: str) -> int:
        text = osp.splitext(text.strip())[0]
        if not text.isdigit():
            raise InputError(f'{source}: {text!r} is not a CelebA-HQ index (0..29999)')
        return int(text)


def _lines(path: str) -> list[str]:
    with open(path, encoding='utf-8') as f:
        return [line.strip() for line in f if line.strip()]
