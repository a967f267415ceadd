"""An endless supply of generator samples for encoder training: item ``i`` is the seed
``seed_offset + i``; the model draws z, style mixing and truncation from that seed, so an item
always stands for the same sample (:class:`~mmdsgan.models.inversion.GeneratorInversionModel`)."""
from __future__ import annotations

import torch
from mmseg.registry import DATASETS
from torch.utils.data import Dataset

__all__ = ['LatentSeedDataset']


@DATASETS.register_module()
class LatentSeedDataset(Dataset):
    """Per-index seeds.

    Args:
        num_samples: length of one epoch (an ``InfiniteSampler`` cycles through it).
        seed_offset: seed of item 0 (use another offset for a held-out set).

    ``ds[i]`` is ``{'inputs': tensor(seed_offset + i)}`` (a 0-d int64 tensor);
    ``default_collate`` makes a batch ``{'inputs': (N,) int64}``.
    """

    def __init__(self, num_samples: int = 100_000, seed_offset: int = 0) -> None:
        if num_samples < 1 or seed_offset < 0:
            raise ValueError(f'LatentSeedDataset: num_samples must be >= 1 and seed_offset >= 0,'
                             f' got {num_samples}, {seed_offset}')
        self.num_samples = num_samples
        self.seed_offset = seed_offset
        self.metainfo: dict = dict(seed_offset=seed_offset)

    def __len__(self) -> int:
        return self.num_samples

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        if not 0 <= index < self.num_samples:
            raise IndexError(f'index {index} out of range for {self.num_samples} seeds')
        return dict(inputs=torch.tensor(self.seed_offset + index, dtype=torch.int64))
