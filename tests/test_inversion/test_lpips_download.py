"""``lpips_backbone`` as a URL: downloaded into the torch hub cache as torchvision does (the
download is simulated: no network in tests), a cached file is used without network, and a failed
download stops with one line naming the local path."""
from __future__ import annotations

import shutil
import urllib.error

import pytest
import torch

from mmdsgan.models.inversion import LPIPSBackboneError, build_lpips
from mmdsgan.models.inversion.lpips_loss import VGG16_URL, fetch_lpips_backbone


@pytest.fixture
def torch_home(tmp_path, monkeypatch):
    monkeypatch.setenv('TORCH_HOME', str(tmp_path / 'torch_home'))
    return tmp_path / 'torch_home'


def test_url_is_downloaded_once_into_the_hub_cache(torch_home, vgg16_file, monkeypatch):
    calls = []

    def fake_download(url, dst, hash_prefix=None, progress=True):
        calls.append((url, dst, hash_prefix))
        shutil.copy(vgg16_file, dst)

    monkeypatch.setattr(torch.hub, 'download_url_to_file', fake_download)
    expected = torch_home / 'hub' / 'checkpoints' / 'vgg16-397923af.pth'
    assert fetch_lpips_backbone(VGG16_URL) == str(expected)
    assert calls == [(VGG16_URL, str(expected), '397923af')]
    model = build_lpips(VGG16_URL)  # cached now: no second download
    assert len(calls) == 1
    x = torch.zeros(1, 3, 16, 16)
    assert float(model(x, x)) == 0.0


def test_failed_download_is_one_line_with_the_local_path(torch_home, monkeypatch):
    def offline(url, dst, hash_prefix=None, progress=True):
        raise urllib.error.URLError('no network')

    monkeypatch.setattr(torch.hub, 'download_url_to_file', offline)
    with pytest.raises(LPIPSBackboneError) as err:
        build_lpips(VGG16_URL)
    message = str(err.value)
    assert '\n' not in message
    assert str(torch_home / 'hub' / 'checkpoints' / 'vgg16-397923af.pth') in message
    assert 'lpips_backbone=<local file>' in message
