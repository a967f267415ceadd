"""StyleGAN2GAN pieces without the Runner: EMA after a step, augmentation, optimizer
constructor, distributed wrapper, configuration errors."""
from __future__ import annotations

import copy

import pytest
import torch
from mmengine.optim import OptimWrapperDict

from mmdsgan.models.gan.diff_augment import DiffAugment
from mmdsgan.models.gan.losses import r1_penalty
from mmdsgan.models.gan.optim_constructor import GANOptimWrapperConstructor
from mmdsgan.models.gan.stylegan2_gan import StyleGAN2GAN
from tiny_models import tiny_generator_kwargs

TINY_G = tiny_generator_kwargs()  # 16 px, 2 mapping layers, <= 16 channels
ADAM = dict(optimizer=dict(type='Adam', lr=0.002, betas=(0.0, 0.99)))


def _model(**kwargs) -> StyleGAN2GAN:
    from mmengine.registry import DefaultScope
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmseg'):
        discriminator = dict(channel_base=256, channel_max=16, **kwargs.pop('discriminator', {}))
        return StyleGAN2GAN(generator=copy.deepcopy(TINY_G), discriminator=discriminator,
                            **kwargs)


def _optim(model, **defaults) -> OptimWrapperDict:
    return GANOptimWrapperConstructor(dict(generator=copy.deepcopy(ADAM),
                                           discriminator=copy.deepcopy(ADAM), **defaults))(model)


def _batch(n=4):
    torch.manual_seed(1)
    return dict(inputs=[torch.randint(0, 256, (3, 16, 16), dtype=torch.uint8) for _ in range(n)])


def test_train_step_updates_ema_with_the_half_life_rule():
    model = _model(ema_kimg=0.01, ema_rampup=None, r1_interval=2).train()
    optim = _optim(model)
    model.train_step(_batch(), optim)  # first step
    ema_before = copy.deepcopy(model.generator_ema)
    log = model.train_step(_batch(), optim)
    beta = 0.5 ** (4 / 10)  # half-life 0.01 kimg = 10 images, 4 images per step
    assert float(log['ema_beta']) == pytest.approx(beta)
    for p_ema, p_old, p in zip(model.generator_ema.parameters(), ema_before.parameters(),
                               model.generator.parameters()):
        torch.testing.assert_close(p_ema, p.detach() + beta * (p_old - p.detach()))
    assert torch.equal(model.generator_ema.w_avg, model.generator.w_avg)
    assert float(model.generator.w_avg.abs().sum()) > 0  # tracked during training
    assert int(model.num_images) == 8 and int(model.num_d_steps) == 2
    assert 'loss_r1' not in log and {'loss_gen', 'loss_disc', 'score_real'} <= set(log)
    assert not model.generator_ema.training and model.generator.training
    assert all(not p.requires_grad for p in model.generator_ema.parameters())
    assert all(p.requires_grad for p in model.discriminator.parameters())


def test_path_length_and_disc_steps():
    model = _model(pl_weight=2.0, pl_interval=1, disc_steps=2, r1_interval=3).train()
    log = model.train_step(_batch(), _optim(model))
    assert float(log['loss_pl']) > 0 and float(model.pl_mean) > 0
    assert int(model.num_d_steps) == 2 and int(model.num_g_steps) == 1


def test_sampling_is_reproducible_per_seed():
    model = _model().eval()
    a = model.sample(seeds=[5, 6])
    b = model.sample(seeds=[7, 6])
    assert a.shape == (2, 3, 16, 16)
    torch.testing.assert_close(a[1], b[1])
    assert model.val_step(_batch(3))[0]['fake_img'].shape == (3, 16, 16)
    with pytest.raises(ValueError, match='either num or seeds'):
        model.sample()


def test_configuration_errors():
    model = _model()
    wrong_size = dict(inputs=[torch.zeros(3, 32, 32, dtype=torch.uint8)] * 4)
    with pytest.raises(ValueError, match='Resize'):
        model.train_step(wrong_size, _optim(model))
    with pytest.raises(TypeError, match='GANOptimWrapperConstructor'):
        model.train_step(_batch(), _optim(model)['generator'])
    with pytest.raises(ValueError, match='c_dim=0'):
        StyleGAN2GAN(generator=dict(TINY_G, c_dim=3))
    with pytest.raises(ValueError, match='r1_interval'):
        _model(r1_interval=0)
    with pytest.raises(ValueError, match='img_resolution'):
        _model(discriminator=dict(img_resolution=32))


def test_optim_constructor_splits_networks_and_shares_defaults():
    model = _model()
    optim = _optim(model, accumulative_counts=2)
    assert isinstance(optim, OptimWrapperDict) and set(optim.keys()) == {'generator',
                                                                         'discriminator'}
    g_params = {id(p) for g in optim['generator'].optimizer.param_groups for p in g['params']}
    d_params = {id(p) for g in optim['discriminator'].optimizer.param_groups for p in g['params']}
    assert g_params == {id(p) for p in model.generator.parameters()}
    assert d_params == {id(p) for p in model.discriminator.parameters()}
    # The top-level accumulative_counts=2 reaches both wrappers: each steps its network on every
    # second update_params call only.
    for name in ('generator', 'discriminator'):
        params = list(getattr(model, name).parameters())
        start = [p.detach().clone() for p in params]
        optim[name].update_params(sum(p.square().sum() for p in params))
        assert all(torch.equal(p, s) for p, s in zip(params, start)), name  # accumulated only
        optim[name].update_params(sum(p.square().sum() for p in params))
        assert not all(torch.equal(p, s) for p, s in zip(params, start)), name  # one step
    with pytest.raises(ValueError, match='names no sub-module'):
        GANOptimWrapperConstructor(dict(critic=copy.deepcopy(ADAM)))(model)
    with pytest.raises(ValueError, match='paramwise_cfg'):
        GANOptimWrapperConstructor(dict(generator=ADAM), paramwise_cfg=dict())


def test_diff_augment_flip_identity_and_double_backward():
    torch.manual_seed(0)
    x = torch.randn(8, 3, 8, 8)
    assert torch.equal(DiffAugment(prob=0.0)(x), x)
    flip_only = DiffAugment(prob=1.0, translation=0, brightness=0, saturation=0, contrast=0)
    y = flip_only(x)
    assert all(torch.equal(y[i], x[i]) or torch.equal(y[i], x[i].flip(2)) for i in range(8))
    shift_only = DiffAugment(prob=1.0, xflip=False, translation=0.25, brightness=0,
                             saturation=0, contrast=0)
    y = shift_only(torch.ones(8, 3, 8, 8))
    # Shifts of at most 2 px with zero padding keep at least a 6x6 block of ones.
    assert y.shape == (8, 3, 8, 8) and float(y.sum(dim=[1, 2, 3]).min()) >= 3 * 36
    # R1 through the augmentation needs a double backward.
    real = x.clone().requires_grad_(True)
    theta = torch.nn.Parameter(torch.ones(()))
    penalty = r1_penalty((theta * DiffAugment(prob=1.0)(real).square()).sum(dim=[1, 2, 3])
                         .unsqueeze(1), real)
    penalty.mean().backward()
    assert theta.grad is not None and float(theta.grad) > 0


def test_distributed_wrapper_single_process(tmp_path):
    import torch.distributed as dist
    from mmengine.runner.checkpoint import get_state_dict

    from mmdsgan.models.gan.ddp_wrapper import GANDistributedDataParallel

    dist.init_process_group('gloo', init_method=f'file://{tmp_path}/pg', rank=0, world_size=1)
    try:
        model = _model(r1_interval=1, pl_weight=1.0, pl_interval=1)
        keys = list(model.state_dict())
        wrapped = GANDistributedDataParallel(model)
        assert type(model.generator.mapping).__name__ == 'MMDistributedDataParallel'
        assert type(model.discriminator).__name__ == 'MMDistributedDataParallel'
        wrapped.train()
        optim = _optim(wrapped)
        for _ in range(2):
            log = wrapped.train_step(_batch(), optim)
        assert {'loss_r1', 'loss_pl', 'loss_gen'} <= set(log)
        assert list(get_state_dict(wrapped.module)) == keys  # checkpoints keep plain names
        with pytest.raises(ValueError, match='not a sub-module'):
            GANDistributedDataParallel(_model(), wrap_modules=('generator.nothing',))
    finally:
        dist.destroy_process_group()


def test_mixed_precision_path_with_cpu_autocast():
    """AmpOptimWrapper needs a GPU; an OptimWrapper whose context adds CPU bfloat16 autocast
    exercises the same code: losses under autocast, R1 / PL / mapping in float32."""
    import contextlib

    from mmengine.optim import OptimWrapper

    class CpuAutocastOptimWrapper(OptimWrapper):
        @contextlib.contextmanager
        def optim_context(self, model):
            with super().optim_context(model), torch.autocast('cpu', dtype=torch.bfloat16):
                yield

    model = _model(r1_interval=1, pl_weight=1.0, pl_interval=1).train()
    optim = OptimWrapperDict(**{
        name: CpuAutocastOptimWrapper(torch.optim.Adam(getattr(model, name).parameters(),
                                                       lr=1e-3, betas=(0.0, 0.99)))
        for name in ('generator', 'discriminator')})
    for _ in range(2):
        log = model.train_step(_batch(), optim)
    assert {'loss_r1', 'loss_pl'} <= set(log)
    assert all(torch.isfinite(v).all() for v in log.values())
    assert model.generator.w_avg.dtype == torch.float32
    assert all(torch.isfinite(p).all() for p in model.parameters())
