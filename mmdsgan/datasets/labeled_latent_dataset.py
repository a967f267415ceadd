"""Labeled generator latents: the training set of the DatasetGAN interpreter.

Folder layout (``tools/import_annotations.py`` writes it)::

    data_root/
      metainfo.json       {"classes": [...], "palette": [[r, g, b], ...], "task": "seg",
                           "latent_type": "wplus", "keypoints": [...], "depth_scale": 256.0}
      latents/<id>.npy    z (z_dim,), w (w_dim,) or w+ (num_ws, w_dim), float
      labels/<id>.png     seg: class-index PNG (8-bit grey or palette: values are class ids,
                          255 = ignore); depth: 16-bit PNG (value / depth_scale, 0 = unknown)
      labels/<id>.json    keypoints: {"width": W, "height": H, "keypoints": [[x, y, v], ...]}
      images/<id>.png     optional: the generated image, for viewing only

(``meta.json``, the older name, is read too.) ``task`` defaults to ``"seg"``; ``latent_type``
is inferred from the array's shape when absent (vectors are taken as z: write ``"w"`` for w
vectors). ``classes`` names the classes (seg), the
keypoints (keypoints) or the single output (depth, e.g. ``["depth"]``).
"""
from __future__ import annotations

import glob
import os.path as osp
from typing import Any

import numpy as np
from mmengine.dataset import BaseDataset
from mmseg.registry import DATASETS

from mmdsgan.tasks import get_task
from mmdsgan.tasks.seg import default_palette

from .label_io import LabelFileError, read_meta

__all__ = ['LabeledLatentDataset']


@DATASETS.register_module()
class LabeledLatentDataset(BaseDataset):
    """One record per labeled latent of a folder in the layout above.

    Args:
        data_root: the folder.
        pipeline: transforms, typically ``LoadLatent``, ``LoadLabel``, ``PackLatentInputs``.
        metainfo: overrides of metainfo.json's entries.
        **kwargs: other :class:`mmengine.dataset.BaseDataset` arguments (``indices``,
            ``serialize_data``, ``test_mode``, ...).

    Records hold ``id``, ``latent_path``, ``label_path``, ``img_path`` (or None), ``task``,
    ``latent_type`` (or None: inferred on loading), ``num_classes``, ``depth_scale``.
    Metainfo: ``classes``, ``palette``, ``task``, ``latent_type``, ``keypoints`` (names).
    """

    METAINFO: dict = dict()

    def __init__(self, data_root: str, pipeline: list = (), metainfo: dict | None = None,
                 **kwargs) -> None:
        meta = read_meta(data_root)
        classes = tuple(meta['classes'])
        merged = dict(classes=classes,
                      palette=meta.get('palette') or default_palette(len(classes)),
                      task=meta['task'], latent_type=meta.get('latent_type'),
                      keypoints=tuple(meta.get('keypoints', classes)),
                      depth_scale=float(meta.get('depth_scale', 1.0)))
        merged.update(metainfo or {})
        super().__init__(data_root=data_root, metainfo=merged, pipeline=list(pipeline),
                         **kwargs)

    def load_data_list(self) -> list[dict[str, Any]]:
        root, task = self.data_root, self.metainfo['task']
        latent_paths = sorted(glob.glob(osp.join(root, 'latents', '*.npy')))
        if not latent_paths:
            raise LabelFileError(f'{osp.join(root, "latents")} holds no .npy latents: put one '
                                 f'latents/<id>.npy per labeled image (see the layout in '
                                 f'{__name__})')
        label_ext = get_task(task).label_ext
        problems, records = [], []
        for latent_path in latent_paths:
            sample_id = osp.splitext(osp.basename(latent_path))[0]
            label_path = osp.join(root, 'labels', sample_id + label_ext)
            if not osp.isfile(label_path):
                problems.append(f'{label_path} missing (for {latent_path}): add the label or '
                                f'remove the latent')
                continue
            img_path = osp.join(root, 'images', sample_id + '.png')
            records.append(dict(
                id=sample_id, latent_path=latent_path, label_path=label_path,
                img_path=img_path if osp.isfile(img_path) else None, task=task,
                latent_type=self.metainfo['latent_type'],
                num_classes=len(self.metainfo['classes']),
                depth_scale=self.metainfo['depth_scale']))
        latent_ids = {osp.splitext(osp.basename(p))[0] for p in latent_paths}
        for label_path in sorted(glob.glob(osp.join(root, 'labels', '*' + label_ext))):
            if osp.splitext(osp.basename(label_path))[0] not in latent_ids:
                problems.append(f'{label_path} has no latent (latents/<id>.npy): add it or '
                                f'remove the label')
        if problems:
            raise LabelFileError(f'{len(problems)} problem(s) in {root}:\n  '
                                 + '\n  '.join(problems))
        return records
