"""Lists of sample ids (file stems): how the labeled images are named everywhere.

The pipeline writes the k labeled ids to a text file, one per line (``labeled_ids.txt``);
``tools/invert.py --ids`` and the few-shot arms' datasets read that file and keep exactly those
samples: the toy datasets through MMSeg's ``ann_file`` rule, the real datasets read as shipped
through ``sample_ids`` (their ``ann_file`` is the dataset's own, e.g. Car-Parts' COCO json).
"""
from __future__ import annotations

import os.path as osp
from typing import Sequence

from mmdsgan.utils.errors import InputError

__all__ = ['read_sample_ids', 'sample_id', 'select_samples']


def read_sample_ids(ids: str | Sequence[str]) -> list[str]:
    """A text file of ids (one per line, blank lines skipped), a comma list, or a list."""
    if isinstance(ids, str):
        if osp.isfile(ids):
            with open(ids, encoding='utf-8') as f:
                names = [line.strip() for line in f if line.strip()]
        else:
            names = [n.strip() for n in ids.split(',') if n.strip()]
    else:
        names = [str(n) for n in ids]
    if not names:
        raise InputError(f'sample ids {ids!r}: names no sample id')
    return names


def sample_id(img_path: str) -> str:
    """The id of a sample: its image's file stem."""
    return osp.splitext(osp.basename(img_path))[0]


def select_samples(infos: list[dict], ids: str | Sequence[str], where: str) -> list[dict]:
    """The records of ``infos`` (``img_path`` each) named by ``ids``, in the order of ``ids``,
    ``sample_idx`` renumbered; an id not among them is an :class:`InputError` naming
    ``where`` (the split and folder)."""
    names = read_sample_ids(ids)
    by_id = {sample_id(r['img_path']): r for r in infos}
    unknown = [n for n in names if n not in by_id]
    if unknown:
        source = f'{ids}: ' if isinstance(ids, str) else ''
        raise InputError(f'{source}{len(unknown)} sample id(s) not in {where}, e.g. '
                         f'{unknown[0]!r} (ids are the images\' file stems)')
    return [dict(by_id[n], sample_idx=i) for i, n in enumerate(names)]
