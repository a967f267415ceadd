"""StyleGAN2GAN through the MMEngine Runner with the shipped config on tiny networks: the D loss
falls, the EMA generator is exported in the generator format, resume continues."""
from __future__ import annotations

import copy
import os.path as osp

import numpy as np
import pytest
import torch
from PIL import Image

import mmdsgan.datasets.toy_faces_dataset  # noqa: F401  registers the dataset
import mmdsgan.engine.generator_export_hook  # noqa: F401  registers the hook
import mmdsgan.models.gan  # noqa: F401  registers the GAN modules
from mmdsgan.models.generators import z_from_seeds
from mmdsgan.models.generators import load_generator
from tiny_models import tiny_generator_kwargs

CONFIG = 'configs/gan/stylegan2_c64_1xb16-20k_toy-faces-64x64.py'
pytestmark = pytest.mark.slow  # every test shares (or extends) a 24-iteration Runner training
TINY_G = tiny_generator_kwargs()  # 16 px, 2 mapping layers, <= 16 channels


@pytest.fixture(scope='module')
def gan_data(tmp_path_factory):
    """8 toy faces at 32 px (the pipeline resizes them to 16 px)."""
    from mmdsgan.datasets.toy_faces import write_toy_dataset
    root = tmp_path_factory.mktemp('gan_faces')
    write_toy_dataset(root, num=8, size=32, split='train', with_depth=False,
                      with_keypoints=False)
    return root


def _cfg(repo_root, data_root, work_dir, max_iters, **model):
    from mmengine.config import Config
    cfg = Config.fromfile(str(repo_root / CONFIG))
    cfg.merge_from_dict(dict(
        custom_imports=None,  # imported above
        work_dir=str(work_dir),
        model=dict(generator=copy.deepcopy(TINY_G),
                   discriminator=dict(channel_base=256, channel_max=16),
                   r1_gamma=0.1, r1_interval=4, ema_kimg=0.01, **model),
        train_dataloader=dict(
            batch_size=4, num_workers=0, persistent_workers=False,
            dataset=dict(data_root=str(data_root), pipeline=[
                dict(type='LoadImageFromFile'),
                dict(type='Resize', scale=(16, 16), keep_ratio=False),
                dict(type='PackSegInputs')])),
        train_cfg=dict(max_iters=max_iters),
        default_hooks=dict(logger=dict(interval=1),
                           checkpoint=dict(interval=max_iters, max_keep_ckpts=1)),
        custom_hooks=[dict(type='GeneratorExportHook', interval=max_iters // 2, num_samples=4)],
        env_cfg=dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo')),
        log_level='WARNING'))
    # The generator learns slowly: D separates the (noise-like) fakes from the faces quickly.
    cfg.optim_wrapper.generator.optimizer.lr = 1e-4
    cfg.optim_wrapper.discriminator.optimizer.lr = 2e-3
    return cfg


@pytest.fixture(scope='module')
def trained(repo_root, gan_data, tmp_path_factory):
    from mmengine.runner import Runner
    work_dir = tmp_path_factory.mktemp('gan_run')
    runner = Runner.from_cfg(_cfg(repo_root, gan_data, work_dir, max_iters=24))
    runner.train()
    return runner, work_dir


def test_discriminator_loss_falls(trained):
    runner, _ = trained
    losses = runner.message_hub.get_scalar('train/loss_disc').data[0]
    assert len(losses) == 24
    first, last = float(np.mean(losses[:6])), float(np.mean(losses[-6:]))
    assert last < first - 0.1, (first, last)
    logged = set(runner.message_hub.log_scalars)
    assert {'train/loss_gen', 'train/loss_r1', 'train/score_real', 'train/score_fake'} <= logged
    real = runner.message_hub.get_scalar('train/score_real').data[0][-6:]
    fake = runner.message_hub.get_scalar('train/score_fake').data[0][-6:]
    assert np.mean(real) > np.mean(fake)


def test_exported_generator_equals_the_ema_generator(trained):
    runner, work_dir = trained
    for name in ('generator_ema_iter_12.pth', 'generator_ema_iter_24.pth',
                 'generator_ema_latest.pth', 'samples_iter_24.png'):
        assert osp.isfile(work_dir / name), name
    assert Image.open(work_dir / 'samples_iter_24.png').size == (2 * 16, 2 * 16)
    G = load_generator(work_dir / 'generator_ema_latest.pth')
    G_ema = runner.model.generator_ema
    assert G.init_kwargs == G_ema.init_kwargs
    z = z_from_seeds([1, 2, 3], G.z_dim)
    with torch.no_grad():
        expected = G_ema.synthesis(G_ema.mapping(z, None, skip_w_avg_update=True))
        assert torch.equal(G(z), expected)
    assert torch.equal(G.w_avg, runner.model.generator.w_avg)  # buffers follow G
    assert not torch.equal(G_ema.mapping.fc0.weight, runner.model.generator.mapping.fc0.weight)


def test_resume_continues(trained, repo_root, gan_data):
    from mmengine.runner import Runner
    first, work_dir = trained
    d_opt = first.optim_wrapper['discriminator'].optimizer
    saved_step = int(next(iter(d_opt.state.values()))['step'])
    cfg = _cfg(repo_root, gan_data, work_dir, max_iters=26)
    cfg.resume = True
    runner = Runner.from_cfg(cfg)
    runner.train()
    assert runner.iter == 26
    assert int(runner.model.num_d_steps) == 26 and int(runner.model.num_g_steps) == 26
    assert int(runner.model.num_images) == 26 * 4
    d_opt = runner.optim_wrapper['discriminator'].optimizer
    assert int(next(iter(d_opt.state.values()))['step']) == saved_step + 2
    assert osp.isfile(work_dir / 'generator_ema_iter_26.pth')
