"""The keypoints of a split as one COCO keypoints json (``keypoints/<split>.json``).

One image and one annotation per sample, keyed by seed: :func:`_coco_entry` makes them,
:func:`_read_keypoint_entries` reads an earlier run's back (so a resumed run keeps them), and
:func:`_write_keypoints` writes them all, sorted by seed, atomically.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np

from mmdsgan.utils.io import atomic_write

from .constants import RENDERER_VERSION, TOY_FACE_KEYPOINTS
from .render import ToyFace

_SKELETON = [[1, 2], [1, 3], [2, 3], [3, 4], [3, 5], [4, 5]]  # 1-based, COCO style


def _coco_entry(face: ToyFace, file_name: str, size: int) -> Tuple[dict, dict]:
    """(image, annotation) dicts of one sample; the box covers all non-background pixels."""
    seed = face.seed
    rows, cols = np.nonzero(face.mask)
    if rows.size:
        bbox = [int(cols.min()), int(rows.min()), int(cols.max() - cols.min() + 1),
                int(rows.max() - rows.min() + 1)]
    else:
        bbox = [0, 0, 0, 0]
    flat: List[float] = []
    for x, y, v in face.keypoints.tolist():
        flat += [round(x, 3), round(y, 3), int(v)]
    image = {'id': seed, 'file_name': file_name, 'width': size, 'height': size}
    ann = {'id': seed, 'image_id': seed, 'category_id': 1, 'keypoints': flat,
           'num_keypoints': int((face.keypoints[:, 2] > 0).sum()), 'bbox': bbox,
           'area': int(rows.size), 'iscrowd': 0}
    return image, ann


def _read_keypoint_entries(path: Path) -> Dict[int, Tuple[dict, dict]]:
    """Entries of an earlier run's keypoint json by seed ({} when there is none)."""
    if not path.is_file():
        return {}
    try:
        coco = json.loads(path.read_text())
        anns = {a['image_id']: a for a in coco['annotations']}
        return {img['id']: (img, anns[img['id']]) for img in coco['images'] if img['id'] in anns}
    except (ValueError, KeyError, TypeError) as err:
        raise ValueError(f'write_toy_dataset: cannot read the keypoints of an earlier run from '
                         f'{path} ({err!r}); delete that file to re-render its samples, or pass '
                         f'force=True') from err


def _write_keypoints(path: Path, entries: Dict[int, Tuple[dict, dict]]) -> None:
    seeds = sorted(entries)
    coco = {
        'info': {'description': 'mmdsgan toy faces', 'renderer_version': RENDERER_VERSION,
                 'keypoint_coordinates': 'pixel centres at integers'},
        'images': [entries[s][0] for s in seeds],
        'annotations': [entries[s][1] for s in seeds],
        'categories': [{'id': 1, 'name': 'face', 'supercategory': 'face',
                        'keypoints': list(TOY_FACE_KEYPOINTS), 'skeleton': _SKELETON}],
    }
    atomic_write(path, json.dumps(coco, separators=(',', ':')).encode())
