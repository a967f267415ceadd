"""The annotation round trip: sample -> draw masks -> check (all problems at once) -> import."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from PIL import Image

from mmdsgan.datasets.annotation import (AnnotationError, check_annotations, import_annotations,
                                         render_images, sample_latents, write_annotation_folder)
from mmdsgan.models.generators import Generator
from tiny_models import make_tiny_generator

CLASSES = ['background', 'skin', 'hair']
PALETTE = [[0, 0, 0], [200, 0, 0], [0, 0, 200]]


@pytest.fixture(scope='module')
def generator() -> Generator:
    return make_tiny_generator(seed=0)  # 16 px, 2 mapping layers, <= 16 channels


def _folder(tmp_path, generator, num=4):
    ws = sample_latents(generator, num, seed=3, truncation_psi=0.7)
    ids = write_annotation_folder(str(tmp_path), render_images(generator, ws), ws.numpy(),
                                  CLASSES, PALETTE)
    return tmp_path, ids


def _mask(path, array, palette=False):
    image = Image.fromarray(np.asarray(array, np.uint8))
    if palette:
        image.putpalette([c for rgb in PALETTE for c in rgb] + [255] * (768 - 9))  # 256 entries
    image.save(path)


def test_sampled_folder_reproduces_images(tmp_path, generator):
    root, ids = _folder(tmp_path, generator)
    assert ids == ['seed00000000', 'seed00000001', 'seed00000002', 'seed00000003']
    for name in ('palette.png', 'classes.txt', 'metainfo.json', 'masks/README.md'):
        assert (root / name).is_file()
    assert (root / 'classes.txt').read_text().splitlines() == ['0 background', '1 skin',
                                                               '2 hair']
    assert list((root / 'masks').glob('*.png')) == []
    w = torch.from_numpy(np.load(root / 'latents' / 'seed00000002.npy'))
    assert w.shape == (generator.num_ws, 16)
    again = render_images(generator, w[None])[0]
    assert np.array_equal(again, np.asarray(Image.open(root / 'images' / 'seed00000002.png')))
    # seed-wise sampling: the same seed gives the same w+ whatever the batch
    torch.testing.assert_close(sample_latents(generator, 1, seed=5, truncation_psi=0.7)[0],
                               sample_latents(generator, 3, seed=3, truncation_psi=0.7)[2])


def test_every_bad_mask_reported_at_once(tmp_path, generator):
    root, ids = _folder(tmp_path, generator, num=5)
    masks = root / 'masks'
    _mask(masks / 'seed00000000.png', np.zeros((16, 16)))  # fine
    _mask(masks / 'seed00000001.png', np.zeros((8, 16)))  # wrong size
    Image.fromarray(np.zeros((16, 16, 3), np.uint8)).save(masks / 'seed00000002.png')  # RGB
    _mask(masks / 'seed00000003.png', np.full((16, 16), 9), palette=True)  # id out of range
    # 0004: missing
    _mask(masks / 'stray.png', np.zeros((16, 16)))  # no image
    problems = check_annotations(str(root))
    assert len(problems) == 5
    with pytest.raises(AnnotationError) as err:
        import_annotations(str(root))
    message = str(err.value)
    assert '5 problem(s)' in message
    for needle in ('0001.png: 16x8 pixels, its image is 16x16',
                   '0002.png is a RGB image', '0003.png: class ids [9] outside 0..2',
                   '0004.png: missing', 'stray.png: no image'):
        assert needle in message, needle
    assert not (root / 'labels').exists()  # nothing imported


def test_import_writes_dataset(tmp_path, generator):
    root, ids = _folder(tmp_path / 'ann', generator, num=2)
    _mask(root / 'masks' / 'seed00000000.png', np.eye(16) * 2, palette=True)
    unlabeled = np.full((16, 16), 255)
    unlabeled[0, 0] = 1
    _mask(root / 'masks' / 'seed00000001.png', unlabeled)  # 255 = unlabeled is allowed
    out = tmp_path / 'dataset'
    assert import_annotations(str(root), str(out)) == ['seed00000000', 'seed00000001']
    label = Image.open(out / 'labels' / 'seed00000000.png')
    assert label.mode == 'P' and np.array_equal(np.asarray(label), np.eye(16) * 2)
    assert np.array_equal(np.asarray(Image.open(out / 'labels' / 'seed00000001.png')), unlabeled)
    for sub in ('latents/seed00000001.npy', 'images/seed00000001.png', 'metainfo.json'):
        assert (out / sub).is_file()

    from mmdsgan.datasets.labeled_latent_dataset import LabeledLatentDataset
    ds = LabeledLatentDataset(str(out))
    assert len(ds) == 2 and ds.metainfo['latent_type'] == 'wplus'


def test_import_tool_exit_status(tmp_path, generator, tool, capsys):
    root, _ = _folder(tmp_path, generator, num=1)
    importer = tool('import_annotations')
    assert importer.main([str(root)]) == 1
    assert '0000.png: missing' in capsys.readouterr().err
    _mask(root / 'masks' / 'seed00000000.png', np.ones((16, 16)))
    assert importer.main([str(root)]) == 0
    assert (root / 'labels' / 'seed00000000.png').is_file()
