"""Generated samples made inside the data loader: an endless labeled dataset without files."""
from __future__ import annotations

import os
from typing import Any

import numpy as np
from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from mmdsgan.models.labeling import (SyntheticLabeler, build_labeler, generation_settings,
                                     label_metainfo)
from mmdsgan.utils.config import load_config
from mmdsgan.utils.errors import ConfigError

__all__ = ['OnTheFlySyntheticDataset']

#: Loading transforms whose output the dataset already gives; skipped at the pipeline's head.
LOADING_TRANSFORMS = ('LoadImageFromFile', 'LoadAnnotations', 'LoadDepthAnnotation')


@DATASETS.register_module()
class OnTheFlySyntheticDataset(BaseSegDataset):
    """Generate and label one image per index with a trained interpreter, in the loader.

    Any label task of the interpreter: segmentation, depth or keypoints (the results hold what
    the task's file reader would give; below).

    Index ``i`` uses seed ``seed + i``, so the same index gives the same image and label in
    every epoch, worker and rank (each computed alone: the bytes equal those of
    ``tools/generate_dataset.py --batch-size 1``); random augmentations of the pipeline still
    vary. The interpreter is built lazily in each process that draws samples (each loader
    worker builds its own, on ``device``), and is never pickled to workers.

    Uncertainty rejection: with ``max_score`` set, a sample whose score is above it is
    replaced by a redraw with seed ``seed + i + k * length`` (k = 1, 2, ...; seeds no other
    index uses), up to ``max_redraws`` times; if all are rejected the last draw is kept and
    marked ``uncertainty_rejected=True`` in its results.

    Args:
        interpreter: the interpreter config (path, dict or Config) with its ``generation``
            section (:mod:`mmdsgan.models.labeling`).
        checkpoint: trained interpreter checkpoint (head weights); None only for tests
            (random head).
        length: the dataset's (virtual) size.
        seed: first seed; default ``generation.seed``.
        truncation_psi, truncation_cutoff: override the config's generation settings.
        device: where each process runs the generator (default ``'cpu'``: safe in forked
            workers; ``'cuda'`` needs ``num_workers=0`` or the spawn start method).
        max_score, max_redraws: uncertainty rejection (above).
        cfg_options: merged into the interpreter config.
        metainfo: overrides of the config's ``classes`` / ``palette``.
        **kwargs: other :class:`mmseg.datasets.BaseSegDataset` arguments (``pipeline``, ...).

    Results given to the pipeline, as after ``LoadImageFromFile`` + the label's loading step:
    ``img`` (H, W, 3) uint8 BGR, the label: seg ``gt_seg_map`` (H, W) uint8 (as
    ``LoadAnnotations``), depth ``gt_depth_map`` (H, W) float32 in depth units (as
    ``LoadDepthAnnotation`` with ``depth_rescale_factor = 1 / depth_scale``; not quantised;
    predicted depth <= 0 is 0, unknown, as in the PNG files),
    keypoints ``gt_keypoints`` (K, 3) float32 ``(x, y, 2)`` (as :class:`SyntheticKeypointDataset`);
    ``seg_fields``, ``img_shape``, ``ori_shape``, ``img_path`` / ``seg_map_path`` (None),
    ``reduce_zero_label``, ``sample_idx``, ``seed``, ``uncertainty_score``,
    ``uncertainty_rejected``. Leading ``LoadImageFromFile`` / ``LoadAnnotations`` /
    ``LoadDepthAnnotation`` entries of ``pipeline`` are skipped, so a config's
    ``train_pipeline`` can be reused as it is.
    """

    def __init__(self, interpreter: Any, checkpoint: str | None = None, length: int = 1000,
                 seed: int | None = None, truncation_psi: float | None = None,
                 truncation_cutoff: int | None = None, device: str = 'cpu',
                 max_score: float | None = None, max_redraws: int = 10,
                 cfg_options: dict | None = None, metainfo: dict | None = None,
                 **kwargs) -> None:
        if length < 1:
            raise ConfigError(f'OnTheFlySyntheticDataset: length must be >= 1, got {length}')
        self.interpreter_cfg = load_config(interpreter, cfg_options)
        labels = label_metainfo(self.interpreter_cfg)
        self.task = labels['task']
        settings = generation_settings(self.interpreter_cfg)
        self.checkpoint = checkpoint
        self.length = int(length)
        self.seed = settings['seed'] if seed is None else int(seed)
        self.truncation_psi = truncation_psi
        self.truncation_cutoff = truncation_cutoff
        self.device = device
        self.max_score = max_score
        self.max_redraws = int(max_redraws)
        self._labeler: SyntheticLabeler | None = None
        self._labeler_pid: int | None = None
        metainfo = dict(classes=tuple(labels['classes']), palette=labels['palette'],
                        **(metainfo or {}))
        kwargs['pipeline'] = _without_loading(kwargs.get('pipeline', []))
        super().__init__(metainfo=metainfo, serialize_data=False, **kwargs)

    # ------------------------------------------------------------- no files, no data list
    def full_init(self) -> None:
        self._fully_initialized = True

    def load_data_list(self) -> list[dict]:
        return []

    def __len__(self) -> int:
        return self.length

    def get_data_info(self, idx: int) -> dict:
        if not -self.length <= idx < self.length:
            raise IndexError(f'OnTheFlySyntheticDataset: index {idx} out of range for length '
                             f'{self.length}')
        return dict(sample_idx=idx % self.length, seed=self.seed + idx % self.length)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state['_labeler'] = state['_labeler_pid'] = None  # workers build their own
        return state

    # ------------------------------------------------------------------------ generation
    @property
    def labeler(self) -> SyntheticLabeler:
        """This process's labeler, built on first use (and again after a fork)."""
        if self._labeler is None or self._labeler_pid != os.getpid():
            self._labeler = build_labeler(
                self.interpreter_cfg, self.checkpoint, self.device, batch_size=1,
                truncation_psi=self.truncation_psi, truncation_cutoff=self.truncation_cutoff)
            self._labeler_pid = os.getpid()
        return self._labeler

    def prepare_data(self, idx: int) -> Any:
        info = self.get_data_info(idx)
        index = info['sample_idx']
        for redraw in range(self.max_redraws + 1):
            seed = self.seed + index + redraw * self.length
            batch = self.labeler.label_seeds([seed])
            score = float(batch.scores[0])
            if self.max_score is None or score <= self.max_score:
                break
        rejected = self.max_score is not None and score > self.max_score
        image = np.ascontiguousarray(batch.images[0][..., ::-1])  # RGB -> BGR, as mmcv loads
        shape = image.shape[:2]
        results = dict(
            img=image, img_shape=shape, ori_shape=shape, img_path=None, seg_map_path=None,
            reduce_zero_label=self.reduce_zero_label, label_map=self.label_map,
            sample_idx=index, seed=seed, uncertainty_score=score,
            uncertainty_rejected=rejected, **_label_results(self.task, batch.labels[0]))
        return self.pipeline(results)


def _label_results(task: str, label: np.ndarray) -> dict[str, Any]:
    """The label entries of the results, as the task's loading step gives them."""
    if task == 'seg':
        return dict(gt_seg_map=np.asarray(label).astype(np.uint8), seg_fields=['gt_seg_map'])
    if task == 'depth':  # depth <= 0 is unknown (0), as its PNG file would store it
        depth = np.maximum(np.asarray(label, np.float32), 0)
        return dict(gt_depth_map=depth, seg_fields=['gt_depth_map'])
    if task == 'keypoints':  # (K, 2) decoded (x, y) -> (K, 3) with v = 2 (predicted)
        xy = np.asarray(label, np.float32).reshape(-1, 2)
        return dict(gt_keypoints=np.concatenate([xy, np.full((len(xy), 1), 2, np.float32)], 1),
                    seg_fields=[])
    raise ConfigError(f'OnTheFlySyntheticDataset: no loading rule for the label task {task!r}; '
                      f'add one to _label_results in {__file__}')


def _without_loading(pipeline: list) -> list:
    """``pipeline`` without its leading file-loading transforms (given as configs)."""
    pipeline = list(pipeline)
    while pipeline and isinstance(pipeline[0], dict) and \
            str(pipeline[0].get('type', '')).split('.')[-1] in LOADING_TRANSFORMS:
        pipeline.pop(0)
    return pipeline
