"""SampleWriter: the files of one sample for each task, read back with the project's readers."""
from __future__ import annotations

import numpy as np
from PIL import Image

from mmdsgan.tasks.depth import read_depth_png
from mmdsgan.tasks.keypoints import read_keypoints_json
from mmdsgan.tasks.seg import read_index_png
from mmdsgan.datasets.synthetic.sample_files import SampleWriter, decode_uncertainty

IMAGE = np.arange(4 * 6 * 3, dtype=np.uint8).reshape(4, 6, 3)
UNCERTAINTY = np.linspace(0, 0.7, 24, dtype=np.float32).reshape(4, 6)
WS = np.ones((4, 8), np.float32)


def _writer(root, task, **kwargs):
    writer = SampleWriter(str(root), 'train', task, [[0, 0, 0], [255, 0, 0]], **kwargs)
    for folder in writer.folders():
        (root / folder).mkdir(parents=True, exist_ok=True)
    return writer


def test_seg_sample_files(tmp_path):
    label = (np.arange(24).reshape(4, 6) % 2).astype(np.int64)
    paths = _writer(tmp_path, 'seg', save_latents=True).write(7, IMAGE, label, UNCERTAINTY, WS)
    assert paths == dict(img='img_dir/train/seed00000007.png',
                         ann='ann_dir/train/seed00000007.png',
                         unc='unc_dir/train/seed00000007.png', latent='latents/seed00000007.npy')
    assert np.array_equal(np.asarray(Image.open(tmp_path / paths['img'])), IMAGE)
    assert np.array_equal(read_index_png(str(tmp_path / paths['ann'])), label)
    unc = decode_uncertainty(np.asarray(Image.open(tmp_path / paths['unc'])))
    np.testing.assert_allclose(unc, UNCERTAINTY, atol=0.5e-4)
    assert np.array_equal(np.load(tmp_path / paths['latent']), WS)
    assert not list(tmp_path.rglob('*.tmp'))


def test_depth_and_keypoint_sample_files(tmp_path):
    depth = np.full((4, 6), 2.5, np.float32)
    paths = _writer(tmp_path, 'depth', img_format='jpg').write(1, IMAGE, depth, UNCERTAINTY, WS)
    assert paths['img'].endswith('.jpg') and Image.open(tmp_path / paths['img']).format == 'JPEG'
    np.testing.assert_array_equal(read_depth_png(str(tmp_path / paths['ann']), 1000.0), depth)
    keypoints = np.array([[1.25, 2.5], [5.0, 0.0]], np.float32)
    paths = _writer(tmp_path, 'keypoints', save_uncertainty=False).write(
        2, IMAGE, keypoints, UNCERTAINTY, WS)
    assert paths['unc'] is None and paths['ann'].endswith('.json')
    points, size = read_keypoints_json(str(tmp_path / paths['ann']), num_keypoints=2)
    assert size == (4, 6)
    np.testing.assert_allclose(points, [[1.25, 2.5, 2], [5.0, 0.0, 2]])
