"""Tiny random StyleGAN2 generators shared by the model tests (16 px, <= 32 channels)."""
from __future__ import annotations

import copy

import pytest
import torch

from mmdsgan.models.generators import Generator

TINY = dict(z_dim=16, c_dim=0, w_dim=16, img_resolution=16, img_channels=3,
            mapping_kwargs=dict(num_layers=3),
            synthesis_kwargs=dict(channel_base=256, channel_max=32, conv_clamp=1.0))


def tiny_generator(seed: int = 0, noise_strength: float = 0.3, **overrides) -> Generator:
    """A 16px generator in eval mode with nonzero noise strengths, random biases and w_avg, so
    that every path of the forward pass matters."""
    torch.manual_seed(seed)
    G = Generator(**{**copy.deepcopy(TINY), **overrides})
    with torch.no_grad():
        for name, p in G.named_parameters():
            if name.endswith('noise_strength'):
                p.fill_(noise_strength)
            elif name.endswith('bias'):
                p.add_(0.1 * torch.randn_like(p))
        G.mapping.w_avg.normal_()
    return G.eval()


@pytest.fixture
def tiny_kwargs() -> dict:
    """Generator kwargs of the tiny test generator (a fresh copy)."""
    return copy.deepcopy(TINY)


@pytest.fixture
def make_generator():
    """``make_generator(seed=0, noise_strength=0.3, **kwarg_overrides) -> Generator``."""
    return tiny_generator


@pytest.fixture
def one_thread():
    """Run a test's tiny tensors on one torch thread: on a busy machine the hand-offs between
    threads, not the arithmetic, dominate (a 20-iteration Runner test: 28 s on 2 threads, 1.3 s
    on one, with other jobs on the cores). Use with ``pytest.mark.usefixtures('one_thread')``."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
