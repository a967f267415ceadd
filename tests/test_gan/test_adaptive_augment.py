"""AdaptiveAugment (StyleGAN2-ADA's adaptive p): the update rule with exact numbers, identity at
p=0, differentiability at p=1, the checkpoint round trip, the docs' child-config snippet and
real train steps of the GAN model with it."""
from __future__ import annotations

import copy
import math
import re

import pytest
import torch
from mmengine.config import Config

from mmdsgan.models.gan import AdaptiveAugment
from mmdsgan.models.gan.diff_augment import DiffAugment
from mmdsgan.models.gan.optim_constructor import GANOptimWrapperConstructor
from mmdsgan.models.gan.stylegan2_gan import StyleGAN2GAN
from mmseg.registry import MODELS
from tiny_models import tiny_generator_kwargs

TINY_G = tiny_generator_kwargs()  # 16 px, 2 mapping layers, <= 16 channels
ADAM = dict(optimizer=dict(type='Adam', lr=0.002, betas=(0.0, 0.99)))


def _observe(aug: AdaptiveAugment, value: float, times: int, batch: int = 8) -> None:
    for _ in range(times):
        aug.observe(torch.full((batch, 1), value))


def test_p_rises_with_an_overfitting_discriminator_and_is_clamped():
    # batch 8 * interval 4 / (0.128 * 1000) = 0.25 per update: exact in float32.
    aug = AdaptiveAugment(interval=4, speed_kimg=0.128, p_max=0.75)
    _observe(aug, 3.0, 3)  # no update before `interval` observations
    assert float(aug.p) == 0.0 and math.isnan(float(aug.rt))
    assert (float(aug.sign_sum), float(aug.sign_count), int(aug.num_observed)) == (24, 24, 3)
    _observe(aug, 3.0, 1)
    assert float(aug.p) == 0.25 and float(aug.rt) == 1.0
    assert (float(aug.sign_sum), float(aug.sign_count), int(aug.num_observed)) == (0, 0, 0)
    expected = [0.5, 0.75, 0.75, 0.75]  # clamped at p_max
    for p in expected:
        _observe(aug, 3.0, 4)
        assert float(aug.p) == p


def test_p_falls_with_negative_logits_and_stays_non_negative():
    aug = AdaptiveAugment(interval=4, speed_kimg=0.128, init_p=0.5)
    _observe(aug, -2.0, 4)
    assert float(aug.p) == 0.25 and float(aug.rt) == -1.0
    for _ in range(3):
        _observe(aug, -2.0, 4)
        assert float(aug.p) == 0.0
    # r_t = (3 * 8 - 8) / 32 = 0.5 < 0.6: still falling (clamped at 0); 7 of 8 positive: rises
    _observe(aug, 1.0, 3)
    _observe(aug, -1.0, 1)
    assert float(aug.rt) == 0.5 and float(aug.p) == 0.0
    aug.observe(torch.tensor([1.0] * 7 + [-1.0]))  # (N,) logits too
    _observe(aug, 1.0, 3)
    assert float(aug.rt) == (31 - 1) / 32 and float(aug.p) == 0.25


def test_ada_defaults_step_size():
    aug = AdaptiveAugment()  # ADA: target 0.6, interval 4, 500 kimg
    assert (aug.target, aug.interval, aug.speed_kimg, aug.p_max, float(aug.p)) == \
        (0.6, 4, 500.0, 1.0, 0.0)
    _observe(aug, 1.0, 4, batch=16)
    assert float(aug.p) == pytest.approx(16 * 4 / 500_000, rel=1e-6)
    with pytest.raises(ValueError, match='interval'):
        AdaptiveAugment(interval=0)
    with pytest.raises(ValueError, match='init_p'):
        AdaptiveAugment(init_p=0.5, p_max=0.4)
    with pytest.raises(ValueError, match='unknown ops'):
        AdaptiveAugment(policy=['cutout'])


def test_identity_at_p0_and_differentiable_at_p1():
    torch.manual_seed(0)
    x = torch.rand(6, 3, 8, 8) * 2 - 1
    aug = AdaptiveAugment()
    assert torch.equal(aug(x), x)
    aug.p.fill_(1.0)
    real = x.clone().requires_grad_(True)
    y = aug(real)
    assert y.shape == (6, 3, 8, 8) and not torch.equal(y, x)
    (y * torch.linspace(1, 2, y.numel()).reshape(y.shape)).sum().backward()
    assert real.grad is not None and float(real.grad.abs().sum()) > 0
    # policy: a list of op names keeps those only (here the flip: each sample as is or mirrored)
    flip = AdaptiveAugment(policy=['xflip'], init_p=1.0)
    assert isinstance(flip.ops, DiffAugment) and (flip.ops.translation, flip.ops.brightness,
                                                  flip.ops.saturation, flip.ops.contrast) == \
        (0, 0, 0, 0)
    y = flip(x)
    assert all(torch.equal(y[i], x[i]) or torch.equal(y[i], x[i].flip(2)) for i in range(6))
    assert AdaptiveAugment(policy=dict(translation=0.25)).ops.translation == 0.25


def test_state_dict_round_trip_restores_p_and_accumulators():
    aug = AdaptiveAugment(interval=4, speed_kimg=0.128)
    _observe(aug, 1.0, 4)
    _observe(aug, -1.0, 2)
    state = aug.state_dict()
    assert set(state) == {'p', 'rt', 'sign_sum', 'sign_count', 'num_observed'}
    restored = AdaptiveAugment(interval=4, speed_kimg=0.128)
    restored.load_state_dict(copy.deepcopy(state))
    assert float(restored.p) == 0.25 and float(restored.rt) == 1.0
    assert (float(restored.sign_sum), float(restored.sign_count),
            int(restored.num_observed)) == (-16, 16, 2)
    _observe(restored, -1.0, 2)  # continues the interval: r_t = -1, p back to 0
    assert float(restored.p) == 0.0 and float(restored.rt) == -1.0


def test_docs_child_config_snippet_builds(repo_root, tmp_path):
    text = (repo_root / 'docs' / 'gan_training.md').read_text()
    section = text[text.index('**Adaptive augmentation (ADA).**'):]
    code = re.search(r'```python\n(.*?)```', section, re.S).group(1)
    assert 'AdaptiveAugment' in code
    gan_dir = repo_root / 'configs' / 'gan'
    assert "'./stylegan2_c32_1xb16-6k_toy-faces-64x64.py'" in code
    child = tmp_path / 'child.py'
    child.write_text(code.replace("'./", f"'{gan_dir}/"))
    cfg = Config.fromfile(str(child))
    assert dict(cfg.model.augment) == dict(type='AdaptiveAugment', target=0.6)
    model = MODELS.build(cfg.model)
    assert isinstance(model.augment, AdaptiveAugment)
    assert (model.augment.target, model.augment.interval, float(model.augment.p)) == (0.6, 4, 0)
    assert {'augment.p', 'augment.rt', 'augment.num_observed'} <= set(model.state_dict())


def _model(**kwargs) -> StyleGAN2GAN:
    from mmengine.registry import DefaultScope
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmseg'):
        return StyleGAN2GAN(generator=copy.deepcopy(TINY_G),
                            discriminator=dict(channel_base=256, channel_max=16), **kwargs)


def _optim(model):
    return GANOptimWrapperConstructor(dict(generator=copy.deepcopy(ADAM),
                                           discriminator=copy.deepcopy(ADAM)))(model)


def _batch(n=4):
    torch.manual_seed(1)
    return dict(inputs=[torch.randint(0, 256, (3, 16, 16), dtype=torch.uint8) for _ in range(n)])


def test_train_steps_observe_and_log_ada_p():
    # interval 1, batch 4: p moves by 4 / (0.04 * 1000) = 0.1 after every D step.
    model = _model(augment=dict(type='AdaptiveAugment', interval=1, speed_kimg=0.04),
                   r1_interval=2).train()
    optim = _optim(model)
    p = torch.zeros(())
    for _ in range(2):
        log = model.train_step(_batch(), optim)
        rt = float(log['ada_rt'])
        assert rt in {-1.0, -0.5, 0.0, 0.5, 1.0}  # mean sign of 4 logits
        p = (p + math.copysign(1, rt - 0.6) * torch.tensor(4.0) / 40).clamp(0, 1)
        assert torch.equal(log['ada_p'], p)
    assert torch.equal(model.augment.p, p) and int(model.augment.num_observed) == 0
    # ADA's interval 4 with 2 D steps per iteration: observed twice, p and r_t not yet updated
    model = _model(augment=dict(type='AdaptiveAugment'), disc_steps=2).train()
    log = model.train_step(_batch(), _optim(model))
    assert float(log['ada_p']) == 0.0 and 'ada_rt' not in log
    assert int(model.augment.num_observed) == 2 and float(model.augment.sign_count) == 8
    assert all(torch.isfinite(v).all() for v in log.values())
