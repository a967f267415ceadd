"""Write many toy faces as a dataset in the MMSeg folder layout: :func:`write_toy_dataset`.

The folder is claimed first (:func:`~mmdsgan.datasets.folder_claim.claim_folder`): a missing or
empty folder, or an earlier toy dataset of the same size and renderer version, is written
into; anything else is refused unless ``force``. Every file is written atomically, and seeds
whose files are complete are skipped, so an interrupted run resumes and several splits or seed
ranges can be added to one folder. ``metainfo.json`` describes the whole folder.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, List, Optional, Tuple, Union

import numpy as np

from mmdsgan.tasks.depth import encode_depth
from mmdsgan.utils.io import atomic_write, json_text, png_bytes
from mmdsgan.utils.paths import check_folder_name

from ..folder_claim import claim_folder, prepare_folders
from ..label_io import META_NAME
from .coco import _coco_entry, _read_keypoint_entries, _write_keypoints
from .constants import (BACKGROUND_DEPTH, DEPTH_SCALE, MAX_SIZE, MIN_SIZE, RENDERER_VERSION,
                        SUPERSAMPLE, TOY_FACE_CLASSES, TOY_FACE_KEYPOINTS, TOY_FACE_PALETTE)
from .render import ToyFace, render_toy_face

__all__ = ['DATASET_KIND', 'ToyWriteResult', 'toy_sample_id',
           'write_toy_dataset']

#: ``metainfo.json['kind']`` of a dataset written by :func:`write_toy_dataset`.
DATASET_KIND: str = 'mmdsgan.toy_faces'

_ID_RE = re.compile(r'^toy_(\d{6,})\.png$')
_TOOL_HINT = ('choose an empty or new folder, or pass force=True (--force in '
              'tools/make_toy_data.py) to write into it anyway (existing samples with the same '
              'ids are then re-rendered)')


@dataclass(frozen=True)
class ToyWriteResult:
    """What :func:`write_toy_dataset` did: seeds rendered now and seeds already complete."""
    out_dir: Path
    split: str
    written: Tuple[int, ...]
    skipped: Tuple[int, ...]


def toy_sample_id(seed: int) -> str:
    """File stem of a seed's sample, e.g. ``toy_000123`` (at least six digits)."""
    return f'toy_{int(seed):06d}'


def write_toy_dataset(out_dir: Union[str, os.PathLike], num: int, start_seed: int = 0,
                      size: int = 64, split: str = 'train', with_depth: bool = True,
                      with_keypoints: bool = True, force: bool = False,
                      progress: Optional[Callable[[int, bool], None]] = None) -> ToyWriteResult:
    """Render seeds ``start_seed .. start_seed + num - 1`` into ``out_dir`` (MMSeg layout).

    Layout (``<id>`` is :func:`toy_sample_id` of the seed)::

        out_dir/img_dir/<split>/<id>.png    RGB image (H, W, 3)
        out_dir/ann_dir/<split>/<id>.png    palette PNG ('P'); pixel values are class ids
        out_dir/depth_dir/<split>/<id>.png  uint16 depth * DEPTH_SCALE (with_depth)
        out_dir/keypoints/<split>.json      COCO keypoints of every sample of the split
        out_dir/metainfo.json               classes, palette, keypoints, depth scale, size,
                                            seeds per split

    Every file is written to a temporary name in its folder and then renamed, so a file that
    exists is complete. Re-running is cheap: seeds whose files all exist (and, with
    keypoints, have an entry in the split's json) are skipped, so an interrupted run resumes
    and several splits or seed ranges can be added to one folder.

    Args:
        out_dir: dataset root; created if missing. It must be empty or an earlier toy dataset
            of the same ``size`` and renderer version unless ``force`` is set.
        num: number of samples (>= 0).
        start_seed: first seed (>= 0).
        size: image side in pixels (32 .. 256).
        split: sub-folder name, e.g. ``train``, ``val``, ``test``.
        with_depth: also write ``depth_dir``.
        with_keypoints: also write ``keypoints/<split>.json``.
        force: write into any folder, and re-render seeds even when their files exist.
        progress: called as ``progress(seed, written)`` after each seed.

    Returns:
        A :class:`ToyWriteResult` with the seeds written and skipped.

    Raises:
        FileExistsError: ``out_dir`` holds other data and ``force`` is False.
        ValueError: a bad argument, or an unreadable keypoint json of an earlier run.
    """
    _check_args(num, start_seed, size, split)
    out = Path(out_dir)
    claim_folder(out, META_NAME, DATASET_KIND,
                 dict(size=size, renderer_version=RENDERER_VERSION), force, _TOOL_HINT,
                 who='write_toy_dataset')
    folders = [out / 'img_dir' / split, out / 'ann_dir' / split]
    if with_depth:
        folders.append(out / 'depth_dir' / split)
    if with_keypoints:
        folders.append(out / 'keypoints')
    prepare_folders(out, folders, root_files=[META_NAME])
    _write_metainfo(out, size)  # claims the folder as a toy dataset before the first sample

    kp_path = out / 'keypoints' / f'{split}.json'
    entries = _read_keypoint_entries(kp_path) if with_keypoints and not force else {}
    written, skipped = [], []
    for seed in range(start_seed, start_seed + num):
        name = toy_sample_id(seed) + '.png'
        paths = [folder / name for folder in folders[:3 if with_depth else 2]]
        if not force and all(p.is_file() for p in paths) and (not with_keypoints or
                                                               seed in entries):
            skipped.append(seed)
        else:
            face = render_toy_face(seed, size)
            _write_sample(face, paths)
            if with_keypoints:
                entries[seed] = _coco_entry(face, name, size)
            written.append(seed)
        if progress is not None:
            progress(seed, seed in written)
    if with_keypoints:
        _write_keypoints(kp_path, entries)
    _write_metainfo(out, size)
    return ToyWriteResult(out_dir=out, split=split, written=tuple(written),
                          skipped=tuple(skipped))


def _check_args(num: int, start_seed: int, size: int, split: str) -> None:
    if not isinstance(num, (int, np.integer)) or num < 0:
        raise ValueError(f'write_toy_dataset: num must be an integer >= 0, got {num!r}')
    if not isinstance(start_seed, (int, np.integer)) or start_seed < 0:
        raise ValueError(f'write_toy_dataset: start_seed must be an integer >= 0, '
                         f'got {start_seed!r}')
    if not isinstance(size, (int, np.integer)) or not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(f'write_toy_dataset: size must be an integer in [{MIN_SIZE}, '
                         f'{MAX_SIZE}], got {size!r}')
    check_folder_name(split, 'write_toy_dataset: split')


def _write_sample(face: ToyFace, paths: List[Path]) -> None:
    """Image, palette mask and (if a third path is given) 16-bit depth PNGs."""
    atomic_write(paths[0], png_bytes(face.image))
    atomic_write(paths[1], png_bytes(face.mask, palette=TOY_FACE_PALETTE))  # palette ('P') PNG
    if len(paths) > 2:
        atomic_write(paths[2], png_bytes(encode_depth(face.depth, DEPTH_SCALE)))


def _seeds_on_disk(folder: Path) -> List[int]:
    if not folder.is_dir():
        return []
    return sorted(int(m.group(1)) for m in map(_ID_RE.match, os.listdir(folder)) if m)


def _write_metainfo(out: Path, size: int) -> None:
    """Describe the dataset; seeds per split are read from the image files present."""
    splits = {}
    img_root = out / 'img_dir'
    for split in sorted(os.listdir(img_root)) if img_root.is_dir() else []:
        seeds = _seeds_on_disk(img_root / split)
        depth = set(_seeds_on_disk(out / 'depth_dir' / split))
        splits[split] = {'num': len(seeds), 'seeds': seeds,
                         'depth': bool(seeds) and all(s in depth for s in seeds),
                         'keypoints': (out / 'keypoints' / f'{split}.json').is_file()}
    meta = {
        'kind': DATASET_KIND,
        'renderer_version': RENDERER_VERSION,
        'size': size,
        'supersample': SUPERSAMPLE,
        'classes': list(TOY_FACE_CLASSES),
        'palette': TOY_FACE_PALETTE,
        'keypoints': list(TOY_FACE_KEYPOINTS),
        'keypoint_coordinates': 'x, y in pixels, the centre of pixel (row i, column j) is (j, i)',
        'depth_scale': DEPTH_SCALE,
        'depth_unit': 'metre-like; depth = PNG value / depth_scale',
        'background_depth': BACKGROUND_DEPTH,
        'id_format': 'toy_{seed:06d}',
        'splits': splits,
    }
    # One line per list of numbers (palette colours, seeds) instead of one line per number.
    atomic_write(out / META_NAME, json_text(meta).encode())
