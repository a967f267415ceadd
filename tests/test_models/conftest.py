"""Tiny random StyleGAN2 generators shared by the model tests (16 px, <= 32 channels)."""
from __future__ import annotations

import copy

import pytest
import torch

from tiny_models import make_tiny_generator, tiny_generator_kwargs

# 16 px, 3 mapping layers, <= 32 channels, conv_clamp 1.0.
TINY_KWARGS = tiny_generator_kwargs(16, img_channels=3, mapping_layers=3, channel_max=32,
                                    conv_clamp=1.0)


@pytest.fixture
def tiny_kwargs() -> dict:
    """Generator kwargs of the tiny test generator (a fresh copy)."""
    return copy.deepcopy(TINY_KWARGS)


@pytest.fixture
def make_generator():
    """``make_generator(seed=0, noise_strength=0.3, **kwarg_overrides) -> Generator``: the tiny
    16 px generator in eval mode with nonzero noise strengths, random biases and w_avg, so that
    every path of the forward pass matters (overrides replace top-level kwargs)."""
    def make(seed: int = 0, noise_strength: float = 0.3, **overrides):
        return make_tiny_generator({**TINY_KWARGS, **overrides}, seed,
                                   noise_strength=noise_strength, bias_std=0.1, w_avg='normal')
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
