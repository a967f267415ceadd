"""The one seed rule: a sample's latent depends on its seed only.

A seed gets its own CPU ``torch.Generator`` (the CPU stream is the same on every machine), and
``z = torch.randn(z_dim, generator=seed_rng(seed))``. Generation, the annotation round trip, the
GAN trainer's preview images and the inversion encoder's training samples all draw through here,
so sample ``seed`` is the same sample everywhere, whatever the batch, device or global RNG state.
"""
from __future__ import annotations

from typing import Iterable

import torch

__all__ = ['seed_rng', 'z_from_seeds']


def seed_rng(seed: int) -> torch.Generator:
    """A fresh CPU generator seeded with ``seed``: every draw for that sample comes from it."""
    return torch.Generator().manual_seed(int(seed))


def z_from_seeds(seeds: Iterable[int], z_dim: int) -> torch.Tensor:
    """z latents (N, z_dim) float32 on the CPU, row i drawn from ``seed_rng(seeds[i])``."""
    return torch.stack([torch.randn(z_dim, generator=seed_rng(s)) for s in seeds])
