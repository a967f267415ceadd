"""A generated folder (``tools/generate_dataset.py``) as an MMSeg segmentation dataset."""
from __future__ import annotations

import json
import os.path as osp
from typing import Any

from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from mmdsgan.utils.errors import InputError, MissingFileError
from mmdsgan.utils.paths import path_inside

from ..label_io import META_NAME
from .manifest import filter_manifest, read_manifest

__all__ = ['SyntheticSegDataset', 'read_synthetic_metainfo']


def read_synthetic_metainfo(root: str) -> dict[str, Any]:
    """``<root>/metainfo.json`` of a generated folder, with ``classes`` and ``palette``."""
    path = osp.join(root, META_NAME)
    if not osp.isfile(path):
        raise MissingFileError(
            f'{path} not found: {root} is not a folder written by tools/generate_dataset.py '
            f'(generate it with: python tools/generate_dataset.py INTERPRETER_CONFIG --num N '
            f'--out {root})')
    try:
        with open(path, encoding='utf-8') as f:
            meta = json.load(f)
    except json.JSONDecodeError as err:
        raise InputError(f'{path} is not valid JSON ({err}); re-run tools/generate_dataset.py '
                         f'on {root} to rewrite it') from err
    for key in ('classes', 'palette'):
        if not meta.get(key):
            raise InputError(f'{path} has no "{key}"; re-run tools/generate_dataset.py on '
                             f'{root} to rewrite it')
    return meta


@DATASETS.register_module()
class SyntheticSegDataset(BaseSegDataset):
    """Generated images and labels, read through the folder's manifest.

    Args:
        data_root: the generated folder (``metainfo.json``, ``manifest.jsonl``, ``img_dir``,
            ``ann_dir``).
        split: only samples of this split; default the folder's split.
        keep_ratio: keep this least uncertain fraction (DatasetGAN: 0.9, the default); None or
            1.0 keeps all. See :func:`~.manifest.filter_manifest` (ties: smaller id kept).
        max_score: also drop samples whose uncertainty score is above this.
        metainfo: overrides of ``metainfo.json``'s ``classes`` / ``palette``.
        **kwargs: other :class:`mmseg.datasets.BaseSegDataset` arguments (``pipeline``,
            ``reduce_zero_label``, ``ignore_index``, ``indices``, ``serialize_data``, ...).

    Records carry ``img_path``, ``seg_map_path``, ``seed``, ``uncertainty_score``, as MMSeg's
    ``LoadImageFromFile`` and ``LoadAnnotations`` expect.
    """

    def __init__(self, data_root: str, split: str | None = None,
                 keep_ratio: float | None = 0.9, max_score: float | None = None,
                 metainfo: dict | None = None, **kwargs) -> None:
        folder_meta = read_synthetic_metainfo(data_root)
        if folder_meta.get('task', 'seg') != 'seg':
            raise InputError(f'{osp.join(data_root, META_NAME)}: task is '
                             f'{folder_meta["task"]!r}; SyntheticSegDataset reads segmentation '
                             f'sets (generate with a seg interpreter)')
        self.split = split or folder_meta.get('split', 'train')
        self.keep_ratio = keep_ratio
        self.max_score = max_score
        metainfo = dict(classes=tuple(folder_meta['classes']), palette=folder_meta['palette'],
                        **(metainfo or {}))
        super().__init__(data_root=data_root, metainfo=metainfo, **kwargs)

    def load_data_list(self) -> list[dict]:
        records = [r for r in read_manifest(self.data_root) if r.get('split') == self.split]
        if not records:
            raise InputError(f'{self.data_root}: no finished sample of split {self.split!r} in '
                             f'its manifest (manifest.jsonl / manifest.rank*.jsonl)')
        kept = filter_manifest(records, keep_ratio=self.keep_ratio, max_score=self.max_score)
        manifest = osp.join(self.data_root, 'manifest.jsonl')
        return [dict(img_path=path_inside(self.data_root, r['img'], f'{manifest} ({r["id"]})'),
                     seg_map_path=path_inside(self.data_root, r['ann'],
                                              f'{manifest} ({r["id"]})'),
                     label_map=self.label_map, reduce_zero_label=self.reduce_zero_label,
                     seg_fields=[], sample_idx=i, seed=r['seed'], sample_id=r['id'],
                     uncertainty_score=r['score'])
                for i, r in enumerate(kept)]
