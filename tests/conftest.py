"""Shared fixtures: small data written by the tests themselves, never downloaded."""
from __future__ import annotations

from pathlib import Path

import pytest

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
