"""mmdsgan.tasks: the registry, each task's file codec, and a fourth task (surface normals, the
example of docs/adding_a_label_type.md) running through the head and both writers with no
change outside its own module."""
from __future__ import annotations

import json
import os
import re

import numpy as np
import pytest
import torch
from mmengine.registry import DefaultScope
from PIL import Image

import mmdsgan.datasets.transforms  # noqa: F401  registers LoadLatent / LoadLabel / Pack...
from mmdsgan.datasets.labeled_latent_dataset import LabeledLatentDataset
from mmdsgan.datasets.labeled_latent_writer import LabeledLatentWriter
from mmdsgan.datasets.synthetic.sample_files import SampleWriter
from mmdsgan.models.heads import InterpreterEnsembleHead
from mmdsgan.tasks import LabelFileError, base, get_task, task_names
from mmdsgan.tasks.depth import decode_depth, encode_depth

DOC = 'docs/adding_a_label_type.md'


def test_registry_names_and_unknown_task():
    assert task_names() == ('seg', 'depth', 'keypoints')
    assert get_task('depth').label_ext == '.png' and get_task('keypoints').label_ext == '.json'
    assert get_task(get_task('seg')) is get_task('seg')
    with pytest.raises(ValueError, match=r"unknown label task 'normal'.*'seg', 'depth'"):
        get_task('normal')


def test_depth_codec_quantises_and_round_trips(tmp_path):
    depth = np.array([[0.0, 1.2344], [1.2346, 70.0]], np.float32)  # 70 m * 1000 > 65535
    values = encode_depth(depth, 1000.0)
    assert values.dtype == np.uint16 and values.tolist() == [[0, 1234], [1235, 65535]]
    path = tmp_path / 'd.png'
    path.write_bytes(get_task('depth').encode(depth, depth.shape, None, 1000.0))
    read, size = get_task('depth').read(str(path), dict(depth_scale=1000.0))
    assert size == (2, 2) and read.dtype == np.float32
    np.testing.assert_array_equal(read, decode_depth(values, 1000.0))
    assert read[1, 0] == np.float32(1.235)


def test_seg_codec_refuses_ids_out_of_range(tmp_path):
    seg = get_task('seg')
    with pytest.raises(ValueError, match='class id 256 does not fit'):
        seg.encode(np.array([[0, 256]]), (1, 2), [[0, 0, 0]], 1.0)
    path = tmp_path / 'm.png'
    path.write_bytes(seg.encode(np.array([[0, 3], [255, 1]]), (2, 2), [[0, 0, 0]] * 4, 1.0))
    assert Image.open(path).mode == 'P'
    label, _ = seg.read(str(path), dict(num_classes=4))
    assert label.tolist() == [[0, 3], [255, 1]]  # 255 = ignore passes
    with pytest.raises(LabelFileError, match=r'm\.png holds class ids \[3\]'):
        seg.read(str(path), dict(num_classes=3))


def test_keypoints_codec_predictions_and_labels(tmp_path):
    kp = get_task('keypoints')
    predicted = json.loads(kp.encode(np.array([[1.23456, 2.0]]), (4, 6), None))
    assert predicted == dict(height=4, width=6, keypoints=[[1.235, 2.0, 2]])
    path = tmp_path / 'k.json'
    path.write_bytes(kp.encode(np.array([[1.23456, 2.0, 0.0]]), (4, 6), None))
    points, size = kp.read(str(path), dict(num_classes=1))
    assert size == (4, 6) and points.tolist() == [[pytest.approx(1.23456), 2.0, 0.0]]
    with pytest.raises(LabelFileError, match='has 1 keypoints, metainfo.json names 2'):
        kp.read(str(path), dict(num_classes=2))


@pytest.fixture
def normals_task(monkeypatch, repo_root):
    """Register the doc's NormalsTask (executed from the doc itself) for one test."""
    monkeypatch.setattr(base, '_REGISTRY', dict(base._REGISTRY))
    text = (repo_root / DOC).read_text()
    code = re.search(r'```python\n(.*?)```', text, re.S).group(1)
    namespace: dict = {}
    exec(compile(code, DOC, 'exec'), namespace)
    return get_task('normals')


def test_a_fourth_task_runs_through_head_and_writers(normals_task, tmp_path):
    assert task_names()[-1] == 'normals'
    torch.manual_seed(0)
    head = InterpreterEnsembleHead([8, 4], task='normals', num_members=2, hidden_dims=(16,),
                                   norm=None)
    assert head.num_outputs == 3
    # training path: a few Adam steps on one target normal lower the loss
    target = torch.nn.functional.normalize(torch.tensor([0.2, -0.5, 1.0]), dim=0)
    hypercolumns = torch.randn(2, 64, 12)  # (M, P, C)
    targets = target.expand(2, 64, 3)
    optim = torch.optim.Adam(head.parameters(), lr=0.05)
    losses = []
    for _ in range(20):
        loss = head.loss(hypercolumns, targets)['loss_normals']
        optim.zero_grad()
        loss.backward()
        optim.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    # labeling path: unit normals and a non-negative angular uncertainty on the output grid
    feats = [torch.randn(2, 8, 4, 4), torch.randn(2, 4, 8, 8)]
    result = head.predict(feats, (8, 8))
    assert result['label'].shape == (2, 8, 8, 3) and result['uncertainty'].shape == (2, 8, 8)
    torch.testing.assert_close(result['label'].norm(dim=-1), torch.ones(2, 8, 8))
    assert (result['uncertainty'] >= 0).all() and result['score'].shape == (2,)
    normals = result['label'][0].numpy()
    image = np.zeros((8, 8, 3), np.uint8)
    # generated files
    sample_writer = SampleWriter(str(tmp_path / 'gen'), 'train', 'normals', [])
    for folder in sample_writer.folders():
        os.makedirs(folder)
    paths = sample_writer.write(7, image, normals, result['uncertainty'][0].numpy(),
                                np.zeros((4, 16), np.float32))
    assert paths['ann'] == 'ann_dir/train/seed00000007.png'
    read, size = normals_task.read(str(tmp_path / 'gen' / paths['ann']), {})
    assert size == (8, 8) and np.abs(read - normals).max() <= 1 / 127.5
    # labeled-latent folder, loaded back through the interpreter's pipeline
    writer = LabeledLatentWriter(str(tmp_path / 'll'), 'normals', ['normals'])
    writer.write('a', np.zeros((4, 16), np.float32), normals, image, image, metrics={})
    pipeline = [dict(type='LoadLatent'), dict(type='LoadLabel'), dict(type='PackLatentInputs')]
    with DefaultScope.overwrite_default_scope('mmseg'):
        packed = LabeledLatentDataset(data_root=str(tmp_path / 'll'), pipeline=pipeline)[0]
    assert packed['data_samples'].gt_normals.shape == (8, 8, 3)
    assert np.abs(packed['data_samples'].gt_normals.numpy() - normals).max() <= 1 / 127.5
