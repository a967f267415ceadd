"""LPIPS without network: the trunk from a local VGG16 file, a one-line error without it."""
from __future__ import annotations

import os.path as osp

import pytest
import torch

from mmdsgan.models.inversion import LPIPSBackboneError, build_lpips, default_lpips_backbone
from mmdsgan.models.inversion.lpips_loss import vgg16_to_lpips_keys


def test_missing_backbone_is_a_one_line_error_with_the_expected_path(tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'th'))
    expected = osp.join(str(tmp_path / 'th'), 'hub', 'checkpoints', 'vgg16-397923af.pth')
    assert default_lpips_backbone() == expected
    with pytest.raises(LPIPSBackboneError) as err:
        build_lpips(None)
    message = str(err.value)
    assert '\n' not in message and expected in message
    assert 'https://download.pytorch.org/models/vgg16-397923af.pth' in message
    with pytest.raises(LPIPSBackboneError, match='missing.pth'):
        build_lpips(str(tmp_path / 'missing.pth'))


def test_wrong_file_is_refused(tmp_path):
    path = tmp_path / 'not_vgg.pth'
    torch.save({'features.0.weight': torch.zeros(3)}, path)
    with pytest.raises(LPIPSBackboneError, match='not a torchvision VGG16'):
        build_lpips(str(path))


def test_key_mapping_covers_the_five_slices():
    keys = {f'features.{i}.weight': torch.zeros(1) for i in (0, 2, 5, 7, 10, 14, 17, 21, 24, 28)}
    keys['classifier.0.weight'] = torch.zeros(1)
    mapped = vgg16_to_lpips_keys(keys)
    assert sorted(mapped) == sorted([
        'net.slice1.0.weight', 'net.slice1.2.weight', 'net.slice2.5.weight',
        'net.slice2.7.weight', 'net.slice3.10.weight', 'net.slice3.14.weight',
        'net.slice4.17.weight', 'net.slice4.21.weight', 'net.slice5.24.weight',
        'net.slice5.28.weight'])


def test_loaded_lpips_is_zero_for_identical_images_and_positive_otherwise(vgg16_file):
    lpips = build_lpips(vgg16_file)
    state = torch.load(vgg16_file, weights_only=True)
    assert torch.equal(lpips.state_dict()['net.slice3.10.weight'], state['features.10.weight'])
    assert not any(p.requires_grad for p in lpips.parameters())
    x = torch.rand(2, 3, 16, 16, generator=torch.Generator().manual_seed(0)) * 2 - 1
    y = x.roll(3, dims=3)
    assert lpips(x, x).abs().max().item() == 0.0
    distance = lpips(x, y).flatten()
    assert distance.shape == (2,) and (distance > 0).all()
