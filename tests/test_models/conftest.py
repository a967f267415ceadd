"""Fixtures shared by the model tests: a tiny StyleGAN2 (16 px, w_dim 16, <= 32 channels)."""
from __future__ import annotations

import copy
from typing import Callable

import pytest
import torch

from mmdsgan.models.generators import Generator

TINY_KWARGS = dict(z_dim=16, c_dim=0, w_dim=16, img_resolution=16, img_channels=3,
                   mapping_kwargs=dict(num_layers=3),
                   synthesis_kwargs=dict(channel_base=256, channel_max=32, conv_clamp=1.0))


@pytest.fixture
def tiny_kwargs() -> dict:
    """Generator kwargs of the tiny generator (a fresh copy per test)."""
    return copy.deepcopy(TINY_KWARGS)


@pytest.fixture
def make_generator(tiny_kwargs) -> Callable[..., Generator]:
    """``make_generator(seed=0, **overrides)``: a seeded tiny generator in eval mode whose
    constant-initialised parameters (noise strengths, biases) are randomised, so that every term
    of the forward formulas matters in comparisons."""

    def make(seed: int = 0, **overrides) -> Generator:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            G = Generator(**{**tiny_kwargs, **overrides})
            with torch.no_grad():
                for name, param in G.named_parameters():
                    if name.endswith(('noise_strength', '.bias')):
                        param.add_(0.1 * torch.randn_like(param))
        return G.eval()

    return make


@pytest.fixture
def one_thread():
    """Run a test's tiny tensors on one torch thread: on a busy machine the hand-offs between
    threads, not the arithmetic, dominate (a 20-iteration Runner test: 28 s on 2 threads, 1.3 s
    on one, with other jobs on the cores). Use with ``pytest.mark.usefixtures('one_thread')``."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
