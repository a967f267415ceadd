"""GAN loss terms, R1 and path lengths against hand computations; the EMA half-life rule."""
from __future__ import annotations

import copy
import math

import pytest
import torch
from torch import nn

from mmdsgan.models.gan.ema import ema_beta, update_ema
from mmdsgan.models.gan.losses import (discriminator_loss, generator_loss, path_lengths,
                                       r1_penalty)


def test_logistic_losses():
    zero = torch.zeros(3, 1)
    loss_real, loss_fake = discriminator_loss(zero, zero)
    assert float(loss_real) == pytest.approx(math.log(2))
    assert float(loss_fake) == pytest.approx(math.log(2))
    logits = torch.tensor([[2.0], [-1.0]])
    # softplus(-t) = log(1 + exp(-t))
    expected = (math.log(1 + math.exp(-2)) + math.log(1 + math.exp(1))) / 2
    assert float(generator_loss(logits)) == pytest.approx(expected)
    assert float(discriminator_loss(logits, logits)[0]) == pytest.approx(expected)


def test_r1_penalty_by_hand():
    torch.manual_seed(0)
    x = torch.randn(2, 3, 2, 2, requires_grad=True)
    a = torch.randn(1, 3, 2, 2)
    # Linear D: grad = a, penalty = sum(a²) for every image.
    penalty = r1_penalty((x * a).sum(dim=[1, 2, 3]).unsqueeze(1), x)
    assert penalty.tolist() == pytest.approx([float(a.square().sum())] * 2, rel=1e-5)
    # Quadratic D: grad = 2x, penalty = 4 sum(x²) per image.
    penalty = r1_penalty(x.square().sum(dim=[1, 2, 3]).unsqueeze(1), x)
    assert penalty.tolist() == pytest.approx((4 * x.detach().square().sum(dim=[1, 2, 3])).tolist(),
                                             rel=1e-5)


def test_r1_penalty_trains_the_discriminator_weights():
    theta = nn.Parameter(torch.tensor(3.0))
    x = torch.randn(4, 1, 2, 2, requires_grad=True)
    penalty = r1_penalty((theta * x).sum(dim=[1, 2, 3]).unsqueeze(1), x)  # = 4 theta² per image
    assert penalty.tolist() == pytest.approx([36.0] * 4)
    penalty.mean().backward()
    assert float(theta.grad) == pytest.approx(8 * 3.0)  # d(4 theta²)/d theta


def test_r1_penalty_needs_grad():
    with pytest.raises(ValueError, match='requires_grad'):
        r1_penalty(torch.zeros(1, 1), torch.zeros(1, 3, 2, 2))


def test_path_lengths_by_hand():
    torch.manual_seed(0)
    ws = torch.randn(2, 3, 4, requires_grad=True)  # (N, num_ws, w_dim)
    A = torch.randn(4, 2 * 2)
    img = (ws.sum(dim=1) @ A).reshape(2, 1, 2, 2)  # linear "synthesis"
    torch.manual_seed(1)
    lengths = path_lengths(img, ws)
    torch.manual_seed(1)
    y = torch.randn(2, 1, 2, 2) / 2  # noise / sqrt(H * W)
    g = y.reshape(2, 4) @ A.t()  # (N, w_dim), the same for every w
    assert lengths.tolist() == pytest.approx(g.square().sum(dim=1).sqrt().tolist(), rel=1e-5)


def test_ema_beta_numbers():
    assert ema_beta(16, 10.0) == pytest.approx(0.5 ** (16 / 10000))
    # Ramp-up: half-life min(10000, 1000 * 0.05) = 50 images.
    assert ema_beta(16, 10.0, cur_nimg=1000, ema_rampup=0.05) == pytest.approx(0.5 ** (16 / 50))
    assert ema_beta(16, 10.0, cur_nimg=10 ** 6, ema_rampup=0.05) == pytest.approx(
        0.5 ** (16 / 10000))
    assert ema_beta(16, 10.0, cur_nimg=0, ema_rampup=0.05) == 0.0  # first step: copy G
    # Half-life: after ema_kimg * 1000 images the old weights count half.
    assert ema_beta(32, 5.0) ** (5000 / 32) == pytest.approx(0.5)


def test_update_ema_lerps_parameters_and_copies_buffers():
    model = nn.BatchNorm1d(2)
    ema = copy.deepcopy(model)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([3.0, 5.0]))
        model.running_mean.copy_(torch.tensor([7.0, 9.0]))
    update_ema(ema, model, beta=0.25)
    # p_ema = p + beta (p_ema - p), p_ema was 1.
    assert ema.weight.tolist() == pytest.approx([3 + 0.25 * (1 - 3), 5 + 0.25 * (1 - 5)])
    assert ema.running_mean.tolist() == [7.0, 9.0]
    with pytest.raises(ValueError, match='copy of the model'):
        update_ema(nn.Linear(2, 2), model, 0.5)
