"""Shared fixtures: small data written by the tests themselves, never downloaded."""
from __future__ import annotations

from pathlib import Path

import pytest

from tiny_models import make_tiny_generator, tiny_generator_kwargs, write_tiny_interpreter

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope='session')
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope='session')
def toy_faces_root(tmp_path_factory) -> Path:
    """A small toy-faces dataset in the MMSeg layout: 8 train, 4 val, 4 test images (64x64)."""
    from mmdsgan.datasets.toy_faces import write_toy_dataset

    root = tmp_path_factory.mktemp('toy_faces')
    write_toy_dataset(root, num=8, start_seed=0, split='train')
    write_toy_dataset(root, num=4, start_seed=1000, split='val')
    write_toy_dataset(root, num=4, start_seed=2000, split='test')
    return root


def load_tool(name: str):
    """Import ``tools/<name>.py`` as a module (tools are scripts, not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f'tools_{name}', REPO / 'tools' / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='session')
def tool():
    return load_tool


TOY_CLASSES = ['background', 'skin', 'hair', 'eye', 'brow', 'mouth', 'nose']


@pytest.fixture(scope='session')
def tiny_generator_64(tmp_path_factory) -> Path:
    """A random 64 px generator (16 channels) in the project's format, as the toy configs use."""
    from mmdsgan.models.generators import save_generator

    path = tmp_path_factory.mktemp('generator') / 'tiny_g64.pth'
    save_generator(make_tiny_generator(tiny_generator_kwargs(64), seed=0), path)
    return path


@pytest.fixture(scope='session')
def labeled_latents_root(tmp_path_factory, tiny_generator_64) -> Path:
    """A LabeledLatentDataset folder: 4 toy-face masks paired with random w+ latents."""
    import numpy as np

    from mmdsgan.datasets.labeled_latent_writer import LabeledLatentWriter
    from mmdsgan.datasets.toy_faces import TOY_FACE_PALETTE, render_toy_face
    from mmdsgan.models.generators import load_generator

    G = load_generator(str(tiny_generator_64))
    root = tmp_path_factory.mktemp('labeled_latents')
    writer = LabeledLatentWriter(str(root), task='seg', classes=TOY_CLASSES,
                                 palette=[list(c) for c in TOY_FACE_PALETTE])
    rng = np.random.default_rng(0)
    for i in range(4):
        face = render_toy_face(i, size=64)
        ws = rng.standard_normal((G.num_ws, G.w_dim)).astype(np.float32)
        writer.write(f'img{i}', ws, face.mask, face.image, face.image, metrics={})
    return root


INTERPRETER_CFG = 'configs/interpreter/interpreter_ensemble10_toy-faces-64x64.py'


@pytest.fixture(scope='session')
def toy_interpreter(tmp_path_factory, tiny_generator_64) -> dict:
    """The toy interpreter config on the tiny generator, with an untrained head's checkpoint:
    ``dict(config=path, checkpoint=path, cfg_options=dict)``."""
    root = tmp_path_factory.mktemp('toy_interpreter')
    cfg_options = {'model.backbone.checkpoint': str(tiny_generator_64),
                   'model.head.num_members': 3, 'work_dir': str(root)}
    interpreter = write_tiny_interpreter(REPO / INTERPRETER_CFG, root, cfg_options, seed=0)
    return dict(interpreter, cfg_options=cfg_options)


@pytest.fixture(scope='session')
def synthetic_root(tmp_path_factory, toy_interpreter) -> Path:
    """A generated (synthetic) toy-faces folder of 6 samples, labeled by the untrained head."""
    from mmdsgan.datasets.synthetic import generate_dataset

    out = tmp_path_factory.mktemp('synthetic') / 'set'
    generate_dataset(toy_interpreter['config'], num=6, out=str(out),
                     checkpoint=toy_interpreter['checkpoint'], batch_size=3,
                     cfg_options=toy_interpreter['cfg_options'], progress=False)
    return out
