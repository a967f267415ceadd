"""tools/invert.py on real datasets as shipped (Car-Parts, CelebAMask-HQ): the natural call
(--format NAME, the dataset's own split), HandsOff's merge from a config, labels carried over."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from mmdsgan.datasets.square_fit import SquareFit
from real_fixtures import (CAR_PARTS_10, CAR_PARTS_19_TO_10, CELEBAMASK_8,
                           CELEBAMASK_19_TO_8)

INVERT_CONFIG = 'configs/inversion/invert_restyle3-opt500_toy-faces-64x64.py'
# the leaf of docs/real_datasets.md ("Inversion"): the invert config + a merge table
LEAF = '''_base_ = ['{repo}/{invert}', '{repo}/configs/_base_/datasets/class_merges/{merge}.py']
real_data = dict(class_merge={{{{_base_.class_merge}}}})
'''


def _invert(tool, repo_root, tmp_path, generator, merge, data, fmt, split):
    leaf = tmp_path / f'invert_{merge}.py'
    leaf.write_text(LEAF.format(repo=repo_root, invert=INVERT_CONFIG, merge=merge))
    out = tmp_path / 'out'
    tool('invert').main([str(leaf), '--data', str(data), '--format', fmt, '--split', split,
                         '--out', str(out), '--device', 'cpu', '--cfg-options',
                         f'model.generator_checkpoint={generator}', 'inversion.use_lpips=False',
                         'inversion.steps=2', 'inversion.batch_size=3'])
    return out


@pytest.mark.parametrize('data,fmt', [('root', 'car-parts'), ('json', 'coco')])
def test_invert_car_parts_10(tool, repo_root, tmp_path, tiny_generator_path, car_parts_root,
                             data, fmt):
    root = car_parts_root['root']
    path = root if data == 'root' else root / 'trainingset' / 'annotations.json'
    out = _invert(tool, repo_root, tmp_path, tiny_generator_path, 'car_parts_10', path, fmt,
                  'train')
    meta = json.loads((out / 'metainfo.json').read_text())
    assert meta['classes'] == CAR_PARTS_10
    lut = np.array(CAR_PARTS_19_TO_10, np.uint8)
    for stem, label19 in car_parts_root['labels']['trainingset'].items():
        written = np.asarray(Image.open(out / 'labels' / f'{stem}.png'))
        size = written.shape[0]  # the generator's resolution
        assert np.array_equal(written, SquareFit.for_shape(64, 64, size).nearest(lut[label19]))


def test_invert_celebamask_8(tool, repo_root, tmp_path, tiny_generator_path, celebamask_root):
    out = _invert(tool, repo_root, tmp_path, tiny_generator_path, 'celebamask_hq_8',
                  celebamask_root['root'], 'celebamask-hq', 'test')
    meta = json.loads((out / 'metainfo.json').read_text())
    assert meta['classes'] == CELEBAMASK_8
    lut = np.array(CELEBAMASK_19_TO_8, np.uint8)
    for index in (2000, 2001):
        written = np.asarray(Image.open(out / 'labels' / f'{index}.png'))
        full = np.kron(lut[celebamask_root['labels'][index]], np.ones((2, 2), np.uint8))
        assert np.array_equal(written, SquareFit.for_shape(64, 64, written.shape[0]).nearest(full))
