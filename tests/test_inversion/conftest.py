"""Fixtures of the inversion tests: a tiny saved generator, a random VGG16 trunk file, a small
toy-faces folder. All written here, nothing downloaded."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from mmdsgan.models.generators import save_generator
from tiny_models import make_tiny_generator, tiny_generator_kwargs

INVERT_CONFIG = 'configs/inversion/invert_restyle3-opt500_toy-faces-64x64.py'
ENCODER_CONFIG = 'configs/inversion/encoder_r18-like_1xb16-2k_toy-faces-64x64.py'


def inversion_generator():
    """The seed-0 tiny generator of the inversion tests: 16 px, w_dim 16, <= 32 channels (a full
    inversion step takes milliseconds), frozen, w_avg estimated from 1024 seeded z; drawn
    without touching the global RNG."""
    return make_tiny_generator(tiny_generator_kwargs(16, img_channels=3, channel_max=32), seed=0,
                               w_avg='estimate', w_avg_samples=1024, isolate_rng=True,
                               frozen=True)


@pytest.fixture(scope='session')
def tiny_generator_path(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp('generator') / 'tiny_g16.pth'
    save_generator(inversion_generator(), path)
    return str(path)


@pytest.fixture(scope='session')
def vgg16_file(tmp_path_factory) -> str:
    """A torchvision-VGG16-shaped state dict with random weights: the ``features`` keys, the
    only ones LPIPS uses (the 470 MB classifier is left out to keep the tests light)."""
    import torchvision

    with torch.device('meta'):  # shapes from torchvision, no 138M-parameter initialisation
        features = torchvision.models.vgg16().features
    rng = torch.Generator().manual_seed(0)
    state = {k: torch.randn(v.shape, generator=rng) * 0.05
             for k, v in features.state_dict(prefix='features.').items()}
    path = tmp_path_factory.mktemp('torch_home') / 'vgg16-random.pth'
    torch.save(state, path)
    return str(path)


@pytest.fixture(scope='session')
def real_toy_root(tmp_path_factory) -> Path:
    """4 toy faces at 32 px (fitted to the 16 px generator by the tools)."""
    from mmdsgan.datasets.toy_faces import write_toy_dataset

    root = tmp_path_factory.mktemp('real_toy')
    write_toy_dataset(root, num=4, start_seed=0, size=32, split='train')
    return root


@pytest.fixture(scope='module', autouse=True)
def one_thread():
    """Tiny models run faster on one thread than on a CPU shared with other jobs (tens of
    times, measured): set for each module of this folder (before its module fixtures),
    restored afterwards."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope='session')
def generated_targets():
    """(G, ws, target): 4 images of the tiny generator from known w+ latents (N, num_ws, w_dim)
    and (N, 3, 16, 16)."""
    G = inversion_generator()
    z = torch.randn(4, G.z_dim, generator=torch.Generator().manual_seed(123))
    with torch.no_grad():
        ws = G.mapping(z)
        target = G.synthesis(ws, noise_mode='const')
    return G, ws, target
