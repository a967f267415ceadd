"""GeneratorExportHook on its own: file names, grid layout, pruning, clear errors."""
from __future__ import annotations

import os.path as osp
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from PIL import Image

from mmdsgan.engine.generator_export_hook import GeneratorExportHook, image_grid
from mmdsgan.models.generators import load_generator
from tiny_models import make_tiny_generator, tiny_generator_kwargs

TINY_G = tiny_generator_kwargs(8, z_dim=8, w_dim=8, mapping_layers=1, channel_base=64,
                               channel_max=8)


def test_image_grid_layout():
    images = torch.stack([torch.full((3, 2, 2), v) for v in (-1.0, 0.0, 1.0)])
    grid = image_grid(images, nrow=2)
    assert grid.shape == (4, 4, 3) and grid.dtype == np.uint8
    assert grid[0, 0, 0] == 0 and grid[0, 2, 0] == 128 and grid[2, 0, 0] == 255
    assert grid[2, 2, 0] == 0  # the missing fourth image stays black


def test_export_files_and_pruning(tmp_path):
    G_ema = make_tiny_generator(TINY_G, seed=0)  # eval mode
    runner = SimpleNamespace(model=SimpleNamespace(generator_ema=G_ema),
                             work_dir=str(tmp_path), iter=9)
    hook = GeneratorExportHook(interval=5, num_samples=3, keep_iter_files=False)
    hook.after_train_iter(runner, batch_idx=9)  # iteration 10 done
    assert osp.isfile(tmp_path / 'generator_ema_iter_10.pth')
    assert Image.open(tmp_path / 'samples_iter_10.png').size == (2 * 8, 2 * 8)
    runner.iter = 12
    hook.after_train(runner)
    assert not osp.exists(tmp_path / 'generator_ema_iter_10.pth')  # pruned
    G = load_generator(tmp_path / 'generator_ema_latest.pth')
    z = torch.randn(2, 8)
    torch.testing.assert_close(G(z), runner.model.generator_ema(z))
    runner.iter = 12
    hook.after_train(runner)  # already exported at 12: nothing new
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == '.png') == [
        'samples_iter_10.png', 'samples_iter_12.png']


def test_missing_generator_names_the_field(tmp_path):
    runner = SimpleNamespace(model=SimpleNamespace(), work_dir=str(tmp_path), iter=0)
    with pytest.raises(AttributeError, match='module_name'):
        GeneratorExportHook(interval=1).after_train(runner)
