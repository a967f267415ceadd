"""mmdsgan.apis.invert_images gives the latents that tools/invert.py writes."""
from __future__ import annotations

import numpy as np

from mmdsgan import apis
from mmdsgan.datasets.real_labeled import read_real_labeled

from conftest import INVERT_CONFIG  # noqa: E402  (tests/test_inversion)


def test_invert_images_matches_the_tool(tool, real_toy_root, tiny_generator_path, tmp_path):
    options = [f'model.generator_checkpoint={tiny_generator_path}', 'inversion.use_lpips=False',
               'inversion.batch_size=4', 'inversion.steps=3']
    out = tmp_path / 'inv'
    tool('invert').main([INVERT_CONFIG, '--data', str(real_toy_root), '--out', str(out),
                         '--device', 'cpu', '--cfg-options', *options])
    real = read_real_labeled(str(real_toy_root), 'mmseg', 'train', 'seg')
    images = np.stack([real.load(i, 16).image for i in range(len(real))])  # (4, 16, 16, 3)
    result = apis.invert_images(INVERT_CONFIG, images, cfg_options={
        'model.generator_checkpoint': tiny_generator_path, 'inversion.use_lpips': False,
        'inversion.batch_size': 4, 'inversion.steps': 3})
    assert result.ws.shape == (4, 6, 16) and result.recon.shape == (4, 16, 16, 3)
    for i, sample_id in enumerate(real.ids):
        assert np.array_equal(result.ws[i], np.load(out / 'latents' / f'{sample_id}.npy'))
