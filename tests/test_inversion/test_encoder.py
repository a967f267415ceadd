"""The inversion encoder: shapes, Runner training on generator samples, encoder-only
checkpoints, and encoder + optimisation against optimisation from w_avg at equal steps."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmdsgan.datasets.latent_seed_dataset import LatentSeedDataset
from mmdsgan.models.inversion import ImageInverter, InversionEncoder, build_inverter
from mmdsgan.models.inversion.inverter import to_uint8_images

from conftest import ENCODER_CONFIG, INVERT_CONFIG  # noqa: E402  (tests/test_inversion)

TRAIN_ITERS = 40


def test_encoder_shapes_and_zero_start():
    encoder = InversionEncoder(img_resolution=16, num_ws=6, w_dim=16, in_channels=6,
                               base_channels=8, max_channels=16, hidden_dim=32)
    out = encoder(torch.randn(3, 6, 16, 16))
    assert out.shape == (3, 6, 16) and out.abs().max().item() == 0.0
    with pytest.raises(ValueError, match='power of two'):
        InversionEncoder(img_resolution=24, num_ws=6, w_dim=16)
    with pytest.raises(ValueError, match='expects 6 input channels'):
        encoder(torch.randn(1, 3, 16, 16))


def test_seed_dataset_items():
    ds = LatentSeedDataset(num_samples=5, seed_offset=100)
    assert len(ds) == 5 and int(ds[4]['inputs']) == 104
    with pytest.raises(IndexError):
        ds[5]


@pytest.fixture(scope='module')
def trained(tool, tiny_generator_path, tmp_path_factory):
    work_dir = tmp_path_factory.mktemp('encoder_work')
    runner = tool('train').main([
        ENCODER_CONFIG, '--work-dir', str(work_dir), '--cfg-options',
        f'model.generator_checkpoint={tiny_generator_path}', f'train_cfg.max_iters={TRAIN_ITERS}',
        'train_dataloader.batch_size=16', 'model.n_iters=2', 'optim_wrapper.optimizer.lr=1e-3',
        'default_hooks.logger.interval=10', f'default_hooks.checkpoint.interval={TRAIN_ITERS}'])
    return runner, work_dir / f'iter_{TRAIN_ITERS}.pth'


@pytest.mark.slow
def test_runner_training_lowers_the_loss(trained):
    runner, _ = trained
    losses = np.asarray(runner.message_hub.get_scalar('train/loss').data[0])
    assert len(losses) == TRAIN_ITERS
    assert losses[-10:].mean() < 0.8 * losses[:10].mean()


@pytest.mark.slow  # shares the 40-iteration tools/train.py run
def test_checkpoint_holds_the_encoder_only(trained):
    _, checkpoint = trained
    state = torch.load(checkpoint, map_location='cpu', weights_only=True)['state_dict']
    assert state and all(key.startswith('encoder.') for key in state)


@pytest.mark.slow  # shares the 40-iteration tools/train.py run
def test_encoder_start_beats_w_avg_start_at_equal_steps(trained, tiny_generator_path,
                                                        generated_targets):
    _, checkpoint = trained
    G_ref, _, target = generated_targets  # same seed-0 tiny generator as the saved file
    cfg = Config.fromfile(INVERT_CONFIG)
    cfg.merge_from_dict({'model.generator_checkpoint': tiny_generator_path,
                         'inversion.use_lpips': False, 'inversion.encoder_checkpoint':
                         str(checkpoint), 'inversion.latent_weight': 0.0})
    with_encoder, _ = build_inverter(cfg)
    assert torch.equal(with_encoder.generator.w_avg, G_ref.w_avg)
    from_w_avg = ImageInverter(with_encoder.generator, None, None, latent_weight=0.0)
    images = to_uint8_images(target)
    for steps in (0, 20):
        with_encoder.steps = from_w_avg.steps = steps
        ours, baseline = with_encoder.invert(images), from_w_avg.invert(images)
        assert ours.psnr.mean() > baseline.psnr.mean() + 1.0, steps


def test_model_with_lpips_loss_keeps_lpips_and_generator_out_of_checkpoints(
        tiny_generator_path, vgg16_file):
    from mmseg.registry import MODELS

    model = MODELS.build(dict(
        type='GeneratorInversionModel', generator_checkpoint=tiny_generator_path,
        encoder=dict(type='InversionEncoder', base_channels=8, max_channels=16, hidden_dim=32),
        iterative=True, n_iters=2, lpips_weight=0.8, lpips_backbone=vgg16_file))
    losses = model(torch.tensor([3, 4]), mode='loss')
    assert sorted(losses) == ['loss_latent', 'loss_lpips', 'loss_mse']
    assert all(v.ndim == 0 and v.item() > 0 for v in losses.values())
    assert all(k.startswith('encoder.') for k in model.state_dict())
    ws = model(torch.zeros(2, 3, 16, 16), mode='predict')  # (N, num_ws, w_dim)
    assert ws.shape == (2, 6, 16)
    # a fresh encoder outputs zero offsets: the estimate is w_avg
    assert torch.allclose(ws, model.generator.w_avg.expand(2, 6, 16))
