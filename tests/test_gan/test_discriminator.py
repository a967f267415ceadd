"""StyleGAN2Discriminator: shapes, NVIDIA names, equalized lr, minibatch std, errors."""
from __future__ import annotations

import math

import pytest
import torch

from mmdsgan.models.gan.discriminator import (Conv2dLayer, MinibatchStdLayer,
                                              StyleGAN2Discriminator)


@pytest.mark.parametrize('resolution', [16, 32])
def test_output_shape_and_blocks(resolution):
    D = StyleGAN2Discriminator(resolution, channel_base=256, channel_max=32)
    logits = D(torch.randn(8, 3, resolution, resolution))
    assert logits.shape == (8, 1)
    assert D.block_resolutions == [r for r in (32, 16, 8) if r <= resolution]
    # Block R: min(256 // R, 32) channels inside, the channels of R/2 out.
    assert D.b16.conv0.weight.shape == (16, 16, 3, 3)
    assert D.b16.conv1.weight.shape == (32, 16, 3, 3)
    assert D.b4.fc.weight.shape == (32, 32 * 16)
    assert D.b4.out.weight.shape == (1, 32)


def test_nvidia_parameter_names():
    keys = set(StyleGAN2Discriminator(16, channel_base=256, channel_max=32).state_dict())
    expected = {'b16.fromrgb.weight', 'b16.fromrgb.bias', 'b16.conv0.weight', 'b16.conv0.bias',
                'b16.conv1.weight', 'b16.conv1.bias', 'b16.skip.weight', 'b8.conv0.weight',
                'b8.skip.weight', 'b4.conv.weight', 'b4.conv.bias', 'b4.fc.weight',
                'b4.fc.bias', 'b4.out.weight', 'b4.out.bias', 'b16.resample_filter'}
    assert expected <= keys
    assert 'b8.fromrgb.weight' not in keys  # residual architecture: only the first block reads RGB
    assert 'b16.skip.bias' not in keys


def test_parameter_count_of_ada_paper256():
    # StyleGAN2-ADA's paper256 discriminator (channel_base 16384) has 24,001,089 parameters.
    D = StyleGAN2Discriminator(256, channel_base=16384, channel_max=512)
    assert sum(p.numel() for p in D.parameters()) == 24_001_089


def test_equalized_learning_rate_and_downsampling():
    conv = Conv2dLayer(4, 6, 3, down=2, activation='linear')
    assert conv.weight_gain == pytest.approx(1 / math.sqrt(4 * 9))
    with torch.no_grad():
        conv.weight.fill_(1.0)
    x = torch.ones(1, 4, 8, 8)
    y = conv(x)
    assert y.shape == (1, 6, 4, 4)
    # Inside the image the filtered map is 1 and the 3x3 conv sums 36 ones times 1/6.
    assert y[0, 0, 1:3, 1:3].flatten().tolist() == pytest.approx([6.0] * 4)
    assert Conv2dLayer(4, 6, 1, down=2)(x).shape == (1, 6, 4, 4)


def test_minibatch_std_by_hand():
    x = torch.arange(4 * 2 * 1 * 1, dtype=torch.float32).reshape(4, 2, 1, 1)
    y = MinibatchStdLayer(group_size=2, num_channels=1)(x)
    assert y.shape == (4, 3, 1, 1)
    # Groups: samples {0, 2} and {1, 3}; each pair differs by 4 in every channel -> std 2.
    assert y[:, 2].flatten().tolist() == pytest.approx([2.0, 2.0, 2.0, 2.0], abs=1e-4)
    assert torch.equal(y[:, :2], x)


def test_errors_name_the_fix():
    D = StyleGAN2Discriminator(16, channel_base=256, channel_max=16)
    with pytest.raises(ValueError, match='mbstd_group_size'):
        D(torch.randn(6, 3, 16, 16))
    with pytest.raises(ValueError, match='img_resolution'):
        D(torch.randn(4, 3, 32, 32))
    with pytest.raises(ValueError, match='power of two'):
        StyleGAN2Discriminator(48)
