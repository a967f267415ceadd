"""Inversion with a generator content window (``inversion.crop``, the LSUN-car 512x384 frame; here
rows 2..14 of the 16 px test generator): real images are fitted to the window and padded into the
frame, the loss ignores the padding, and tools/invert.py writes everything at the window's size."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from mmdsgan.datasets.square_fit import SquareFit
from mmdsgan.models.inversion import ImageInverter, optimize_latents
from mmdsgan.models.inversion.optimizer import image_losses
from mmdsgan.tasks.seg import read_index_png

from conftest import INVERT_CONFIG, inversion_generator  # noqa: E402  (tests/test_inversion)

REGION = (2, 0, 12, 16)  # (top, left, height, width) in the 16x16 frame
CROP = ['inversion.crop.top=2', 'inversion.crop.left=0', 'inversion.crop.height=12',
        'inversion.crop.width=16']


def test_square_fit_to_a_window_covers_and_centre_crops():
    fit = SquareFit.for_shape(24, 32, (12, 16))  # 4:3 -> 4:3: a pure resize, as HandsOff
    assert (fit.scaled_h, fit.scaled_w, fit.top, fit.left) == (12, 16, 0, 0)
    fit = SquareFit.for_shape(32, 32, (12, 16))  # square photo: 16x16, rows 2..14 kept
    assert (fit.scaled_h, fit.scaled_w, fit.top, fit.left) == (16, 16, 2, 0)
    label = np.arange(32 * 32).reshape(32, 32)
    out = fit.nearest(label)
    assert out.shape == (12, 16)
    assert np.array_equal(out, label[5:29:2, 1::2])  # cell centres, rows 2..14 of 16
    assert fit.image(np.zeros((32, 32, 3), np.uint8)).shape == (12, 16, 3)
    kp = fit.keypoints(np.array([[0.5, 4.5, 2], [0.5, 2.0, 2]], np.float32))
    assert np.allclose(kp[0], [0.0, 0.0, 2]) and kp[1, 2] == 0  # row 2 of 32 -> outside
    # a square target is the old rule
    assert SquareFit.for_shape(20, 40, 16) == SquareFit.for_shape(20, 40, (16, 16))


def test_image_losses_see_the_window_only():
    g = torch.Generator().manual_seed(0)
    recon, target = torch.rand(2, 3, 16, 16, generator=g), torch.rand(2, 3, 16, 16, generator=g)
    other = target.clone()
    other[..., :2, :] = 5.0  # the padding rows differ wildly
    other[..., 14:, :] = -5.0
    a = image_losses(recon, target, None, 0.0, 1.0, REGION)
    assert torch.equal(a, image_losses(recon, other, None, 0.0, 1.0, REGION))
    assert torch.allclose(a, image_losses(recon[..., 2:14, :], target[..., 2:14, :], None, 0.0,
                                          1.0))
    assert not torch.allclose(image_losses(recon, target, None, 0.0, 1.0),
                              image_losses(recon, other, None, 0.0, 1.0))


def test_optimisation_ignores_the_padding():
    G = inversion_generator()
    g = torch.Generator().manual_seed(1)
    target = torch.rand(2, 3, 16, 16, generator=g) * 2 - 1
    other = target.clone()
    other[..., :2, :] = 1.0
    other[..., 14:, :] = torch.rand(2, 3, 2, 16, generator=g)
    w0 = G.w_avg.expand(2, G.num_ws, G.w_dim).clone()
    a = optimize_latents(G, target, w0, steps=5, lr=0.05, region=REGION)
    b = optimize_latents(G, other, w0, steps=5, lr=0.05, region=REGION)
    assert torch.equal(a.ws, b.ws) and a.history == b.history
    c = optimize_latents(G, other, w0, steps=5, lr=0.05)  # without the region it matters
    assert not torch.equal(a.ws, c.ws)


def test_inverter_pads_into_the_frame_and_returns_the_window():
    G = inversion_generator()
    inverter = ImageInverter(G, steps=3, lr=0.05, region=REGION)
    assert inverter.fit_size == (12, 16) and inverter.frame == (16, 16)
    images = np.random.default_rng(0).integers(0, 256, (2, 12, 16, 3), dtype=np.uint8)
    seen = {}
    start = inverter.start

    def spy(target):
        seen['target'] = target.clone()
        return start(target)

    inverter.start = spy
    result = inverter.invert(images)
    target = seen['target']  # (2, 3, 16, 16): black padding, the image in rows 2..14
    assert tuple(target.shape) == (2, 3, 16, 16)
    assert torch.all(target[..., :2, :] == -1) and torch.all(target[..., 14:, :] == -1)
    assert torch.allclose(target[..., 2:14, :].permute(0, 2, 3, 1),
                          torch.from_numpy(images).float() / 127.5 - 1)
    assert result.recon.shape == (2, 12, 16, 3)
    with torch.no_grad():
        full = G.synthesis(torch.from_numpy(result.ws), noise_mode='const')
    expected = ((full.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    assert np.array_equal(result.recon, expected[..., 2:14, :].permute(0, 2, 3, 1).numpy())
    with pytest.raises(ValueError, match=r'fit them to the generator\'s 12x16'):
        inverter.invert(np.zeros((1, 16, 16, 3), np.uint8))


def test_invert_tool_writes_the_window(tool, real_toy_root, tiny_generator_path, tmp_path):
    out = tmp_path / 'cars'
    report = tool('invert').main([
        INVERT_CONFIG, '--data', str(real_toy_root), '--out', str(out), '--device', 'cpu',
        '--cfg-options', f'model.generator_checkpoint={tiny_generator_path}', *CROP,
        'inversion.use_lpips=False', 'inversion.batch_size=4', 'inversion.steps=2'])
    assert report['num_images'] == 4
    meta = json.loads((out / 'metainfo.json').read_text())
    assert meta['made_by']['crop'] == dict(top=2, left=0, height=12, width=16)
    for stem in ('toy_000000', 'toy_000003'):
        source = read_index_png(str(real_toy_root / 'ann_dir' / 'train' / f'{stem}.png'))
        written = np.asarray(Image.open(out / 'labels' / f'{stem}.png'))
        assert np.array_equal(written, SquareFit.for_shape(32, 32, (12, 16)).nearest(source))
        assert Image.open(out / 'images' / f'{stem}.png').size == (16, 12)  # (W, H)
        assert Image.open(out / 'previews' / f'{stem}.png').size == (48, 12)
