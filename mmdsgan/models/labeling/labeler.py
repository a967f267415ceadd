"""The labeling engine: seeds in, generated images with their labels and uncertainty out.

Reproducibility rules (what makes sample ``i`` the same sample on every run):

1. The latent of a seed depends on that seed only
   (:func:`mmdsgan.models.generators.z_from_seeds`, the project's one seed rule), drawn on the
   CPU, then moved to the device.
2. Every forward pass has the same shape: a batch of ``batch_size`` latents, the last partial
   batch padded with zero latents whose outputs are dropped. BLAS and convolution kernels pick
   their blocking from the shape, and with a fixed shape a sample's result does not depend on
   its position in the batch or on the other samples. So the bytes written for a sample are
   the same whatever the number of ranks, the resume point or the other seeds of the batch,
   for a given ``batch_size`` and device type. Across different batch sizes or devices the
   results agree up to float rounding (about 1e-6; an 8-bit pixel can then differ by one level,
   an uncertain pixel's label can flip).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np
import torch

from mmdsgan.models.generators import z_from_seeds
from mmdsgan.utils.profiling import stage

__all__ = ['LabeledBatch', 'SyntheticLabeler']


@dataclass
class LabeledBatch:
    """What :meth:`SyntheticLabeler.label_seeds` returns for N seeds (NumPy, on the CPU).

    Attributes:
        seeds: (N,) int64.
        images: (N, H, W, 3) uint8 RGB.
        labels: seg (N, H, W) int64 class ids; depth (N, H, W) float32;
            keypoints (N, K, 2) float32 ``(x, y)`` in pixels (pixel centres at integers).
        uncertainty: (N, H, W) float32 per-pixel uncertainty (seg: Jensen-Shannon divergence
            of the members, nats; depth/keypoints: the members' std).
        scores: (N,) float32 per-image score: mean of the top ``top_ratio`` (10%) pixel values.
        ws: (N, num_ws, w_dim) float32 w+ latents after truncation (they reproduce the image
            with the backbone's ``latent_type='wplus'``).
    """
    seeds: np.ndarray
    images: np.ndarray
    labels: np.ndarray
    uncertainty: np.ndarray
    scores: np.ndarray
    ws: np.ndarray

    def __len__(self) -> int:
        return len(self.seeds)


class SyntheticLabeler:
    """Generate and label images of given seeds with a trained DatasetGAN interpreter.

    Args:
        model: a ``DatasetGANInterpreter`` (its ``label`` path; ``backbone.generator`` maps the
            seeds' z to w+), weights loaded.
        truncation_psi: truncation towards ``w_avg`` (1.0 = none; DatasetGAN/HandsOff 0.7).
        truncation_cutoff: truncate only the first ``cutoff`` ws (None = all).
        batch_size: latents per forward pass; every pass has exactly this many (see the module
            docstring).
        device: where to run; default the model's device.

    ``label_seeds(seeds)`` -> :class:`LabeledBatch`: seeds -> z -> w+ (truncated) -> the model's
    :meth:`~mmdsgan.models.segmentors.DatasetGANInterpreter.label`, whose images and labels
    share one grid.
    """

    def __init__(self, model: torch.nn.Module, truncation_psi: float = 1.0,
                 truncation_cutoff: int | None = None, batch_size: int = 8,
                 device: str | torch.device | None = None) -> None:
        if batch_size < 1:
            raise ValueError(f'SyntheticLabeler: batch_size must be >= 1, got {batch_size}')
        for attr in ('backbone', 'label', 'out_size'):
            if not hasattr(model, attr):
                raise TypeError(f'SyntheticLabeler needs a DatasetGANInterpreter-like model with '
                                f'.backbone, .label and .out_size; {type(model).__name__} has no '
                                f'.{attr}')
        if device is not None:
            model = model.to(device)
        self.model = model.eval()
        self.device = next(model.parameters()).device
        self.generator = model.backbone.generator
        self.truncation_psi = float(truncation_psi)
        self.truncation_cutoff = truncation_cutoff
        self.batch_size = int(batch_size)

    @property
    def task(self) -> str:
        return self.model.head.task

    @property
    def out_size(self) -> tuple[int, int]:
        return tuple(self.model.out_size)

    @torch.no_grad()
    def label_seeds(self, seeds: Sequence[int]) -> LabeledBatch:
        """Generate and label one image per seed, ``batch_size`` at a time."""
        seeds = [int(s) for s in seeds]
        parts = [self._label_batch(seeds[i:i + self.batch_size])
                 for i in range(0, len(seeds), self.batch_size)]
        return LabeledBatch(
            seeds=np.asarray(seeds, dtype=np.int64),
            **{name: np.concatenate([p[name] for p in parts])
               for name in ('images', 'labels', 'uncertainty', 'scores', 'ws')})

    def _label_batch(self, seeds: list[int]) -> dict[str, np.ndarray]:
        n, G = len(seeds), self.generator
        z = torch.zeros(self.batch_size, G.z_dim)  # (B, z_dim): fixed shape, zero padding
        z[:n] = z_from_seeds(seeds, G.z_dim)
        with stage('mapping'):
            ws = G.mapping(z.to(self.device), None, truncation_psi=self.truncation_psi,
                           truncation_cutoff=self.truncation_cutoff)  # (B, num_ws, w_dim)
        out = self.model.label(ws)
        with stage('to_host'):
            return dict(
                images=out['img'][:n].cpu().numpy(),  # (n, H, W, 3)
                labels=out['label'][:n].cpu().numpy(),
                uncertainty=out['uncertainty'][:n].float().cpu().numpy(),  # (n, H, W)
                scores=out['score'][:n].float().cpu().numpy(),  # (n,)
                ws=ws[:n].float().cpu().numpy())  # (n, num_ws, w_dim)
