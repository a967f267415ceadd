"""LabeledLatentDataset and its transforms: records, packed samples, and named errors."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from mmdsgan.datasets.label_io import LabelFileError
from mmdsgan.datasets.labeled_latent_dataset import LabeledLatentDataset
from mmdsgan.datasets.transforms import latent_transforms  # noqa: F401  registers transforms



@pytest.fixture(autouse=True)
def mmseg_scope():
    """Transforms are looked up in the mmseg registry, as under a config's default_scope."""
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmseg'):
        yield


PIPELINE = [dict(type='LoadLatent'), dict(type='LoadLabel'), dict(type='PackLatentInputs')]
CLASSES = ['background', 'skin', 'hair']


def _write(root, task='seg', meta_extra=None, num=3, latent_shape=(6, 8)):
    (root / 'latents').mkdir(parents=True)
    (root / 'labels').mkdir()
    meta = dict(classes=CLASSES, task=task, **(meta_extra or {}))
    (root / 'meta.json').write_text(json.dumps(meta))
    rng = np.random.RandomState(0)
    for i in range(num):
        np.save(root / 'latents' / f'{i:02d}.npy', rng.randn(*latent_shape).astype(np.float32))
        if task == 'seg':
            Image.fromarray(rng.randint(0, 3, (12, 10)).astype(np.uint8)).save(
                root / 'labels' / f'{i:02d}.png')
        elif task == 'depth':
            Image.fromarray(rng.randint(0, 4000, (12, 10)).astype(np.uint16)).save(
                root / 'labels' / f'{i:02d}.png')
        else:
            (root / 'labels' / f'{i:02d}.json').write_text(json.dumps(
                dict(width=10, height=12, keypoints=[[1, 2], [3.5, 4, 0], [5, 6, 1]])))
    return root


def test_seg_records_and_packed_sample(tmp_path):
    ds = LabeledLatentDataset(str(_write(tmp_path)), pipeline=PIPELINE)
    assert len(ds) == 3
    assert ds.metainfo['classes'] == tuple(CLASSES) and len(ds.metainfo['palette']) == 3
    item = ds[1]
    assert item['inputs'].shape == (6, 8) and item['inputs'].dtype == torch.float32
    sample = item['data_samples']
    assert sample.gt_sem_seg.data.shape == (1, 12, 10)
    assert sample.gt_sem_seg.data.dtype == torch.int64
    assert sample.metainfo['latent_type'] == 'wplus' and sample.metainfo['id'] == '01'
    assert sample.metainfo['ori_shape'] == (12, 10)
    expected = np.asarray(Image.open(tmp_path / 'labels' / '01.png'))
    assert np.array_equal(sample.gt_sem_seg.data[0].numpy(), expected)


def test_palette_png_gives_indices_and_vectors_are_z(tmp_path):
    root = _write(tmp_path, latent_shape=(8,))
    mask = Image.fromarray(np.full((12, 10), 2, np.uint8))
    mask.putpalette([0, 0, 0, 255, 0, 0, 0, 255, 0])
    mask.save(root / 'labels' / '00.png')
    sample = LabeledLatentDataset(str(root), pipeline=PIPELINE)[0]['data_samples']
    assert sample.gt_sem_seg.data.unique().tolist() == [2]
    assert sample.metainfo['latent_type'] == 'z'


def test_meta_latent_type_w(tmp_path):
    root = _write(tmp_path, latent_shape=(8,), meta_extra=dict(latent_type='w'))
    assert LabeledLatentDataset(str(root), pipeline=PIPELINE)[0]['data_samples'] \
        .metainfo['latent_type'] == 'w'


def test_depth_and_keypoints(tmp_path):
    root = _write(tmp_path / 'd', task='depth', meta_extra=dict(depth_scale=1000.0))
    sample = LabeledLatentDataset(str(root), pipeline=PIPELINE)[0]['data_samples']
    raw = np.asarray(Image.open(root / 'labels' / '00.png')).astype(np.float32)
    assert torch.allclose(sample.gt_depth_map.data[0], torch.from_numpy(raw / 1000.0))

    root = _write(tmp_path / 'k', task='keypoints')
    sample = LabeledLatentDataset(str(root), pipeline=PIPELINE)[0]['data_samples']
    assert sample.gt_keypoints.tolist() == [[1, 2, 1], [3.5, 4, 0], [5, 6, 1]]
    assert sample.metainfo['ori_shape'] == (12, 10)


def test_small_classes_relabeled(tmp_path):
    root = _write(tmp_path, num=1)
    label = np.zeros((12, 10), np.uint8)
    label[:5] = 1  # 50 pixels: kept
    label[11, :3] = 2  # 3 pixels: relabeled 0
    Image.fromarray(label).save(root / 'labels' / '00.png')
    pipeline = [dict(type='LoadLatent'), dict(type='LoadLabel', min_class_pixels=30),
                dict(type='PackLatentInputs')]
    data = LabeledLatentDataset(str(root), pipeline=pipeline)[0]['data_samples'].gt_sem_seg.data
    assert data.unique().tolist() == [0, 1] and int((data == 1).sum()) == 50


def test_missing_labels_all_named(tmp_path):
    root = _write(tmp_path)
    (root / 'labels' / '00.png').unlink()
    (root / 'labels' / '02.png').unlink()
    with pytest.raises(LabelFileError) as err:
        LabeledLatentDataset(str(root), pipeline=PIPELINE)
    assert '2 problem(s)' in str(err.value)
    assert '00.png missing' in str(err.value) and '02.png missing' in str(err.value)


def test_bad_files_name_file_and_fix(tmp_path):
    root = _write(tmp_path)
    Image.fromarray(np.zeros((12, 10, 3), np.uint8)).save(root / 'labels' / '00.png')
    Image.fromarray(np.full((12, 10), 7, np.uint8)).save(root / 'labels' / '01.png')
    np.save(root / 'latents' / '02.npy', np.zeros((2, 3, 4, 5), np.float32))
    ds = LabeledLatentDataset(str(root), pipeline=PIPELINE)
    with pytest.raises(LabelFileError, match=r'00\.png is a RGB image.*class ids'):
        ds[0]
    with pytest.raises(LabelFileError, match=r'01\.png holds class ids \[7\]'):
        ds[1]
    with pytest.raises(LabelFileError, match=r'02\.npy: latent of shape'):
        ds[2]


def test_meta_errors(tmp_path):
    with pytest.raises(LabelFileError, match='metainfo.json not found'):
        LabeledLatentDataset(str(tmp_path), pipeline=PIPELINE)
    (tmp_path / 'meta.json').write_text(json.dumps(dict(classes=['a'], task='pose')))
    with pytest.raises(LabelFileError, match='"task" is .pose.'):
        LabeledLatentDataset(str(tmp_path), pipeline=PIPELINE)
    (tmp_path / 'meta.json').write_text(json.dumps(dict(classes=['a'])))
    with pytest.raises(LabelFileError, match='holds no .npy latents'):
        LabeledLatentDataset(str(tmp_path), pipeline=PIPELINE)
