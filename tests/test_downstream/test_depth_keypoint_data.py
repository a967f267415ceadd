"""Depth and keypoint datasets (generated folders, on the fly, the toy domain's real splits),
the keypoint packer and the downstream heads, on tiny CPU data."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from mmdsgan.datasets.synthetic import (OnTheFlySyntheticDataset, SyntheticDepthDataset,
                                        SyntheticKeypointDataset, SyntheticSegDataset,
                                        read_manifest)
from mmdsgan.datasets.toy_faces_dataset import ToyFacesDepthDataset, ToyFacesKeypointDataset
from mmdsgan.utils.errors import ConfigError, InputError

DEPTH_PIPELINE = [dict(type='LoadImageFromFile'),
                  dict(type='LoadDepthAnnotation', depth_rescale_factor=1e-3),
                  dict(type='PackSegInputs')]
KP_PIPELINE = [dict(type='LoadImageFromFile'), dict(type='PackKeypointInputs')]


@pytest.fixture(autouse=True)
def mmseg_scope():
    """Pipelines name MMSeg transforms; the Runner sets this scope from the config."""
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmseg'):
        yield


# ------------------------------------------------------------------ generated folders
def test_synthetic_depth_dataset_reads_16bit_pngs(synthetic_depth_root):
    meta = json.loads((synthetic_depth_root / 'metainfo.json').read_text())
    assert meta['task'] == 'depth' and meta['depth_scale'] == 1000.0
    ds = SyntheticDepthDataset(data_root=str(synthetic_depth_root), keep_ratio=None,
                               pipeline=DEPTH_PIPELINE)
    assert len(ds) == 6 and ds.metainfo['classes'] == ('depth',)
    info = ds.get_data_info(0)
    assert info['depth_scale'] == 1000.0 and info['depth_map_path'].endswith('.png')
    sample = ds[0]
    assert sample['inputs'].shape == (3, 64, 64)
    depth = sample['data_samples'].gt_depth_map.data
    assert depth.shape == (1, 64, 64) and depth.dtype == torch.float32
    png = np.asarray(Image.open(info['depth_map_path'])).astype(np.float32)
    assert np.allclose(depth[0].numpy(), png / 1000.0)


def test_synthetic_depth_dataset_filters_by_uncertainty(synthetic_depth_root):
    records = read_manifest(str(synthetic_depth_root))
    assert len({r['score'] for r in records}) > 1  # the untrained members disagree
    ds = SyntheticDepthDataset(data_root=str(synthetic_depth_root), keep_ratio=0.5,
                               pipeline=[])
    kept = {ds.get_data_info(i)['sample_id'] for i in range(len(ds))}
    best = sorted(records, key=lambda r: (r['score'], r['id']))[:3]
    assert kept == {r['id'] for r in best}


def test_depth_scale_mismatch_and_wrong_task_are_refused(synthetic_depth_root,
                                                         synthetic_keypoint_root):
    wrong = [dict(type='LoadDepthAnnotation', depth_rescale_factor=1.0)]
    with pytest.raises(ConfigError, match=r'metainfo.json.*depth_rescale_factor=0.001'):
        SyntheticDepthDataset(data_root=str(synthetic_depth_root), pipeline=wrong)
    with pytest.raises(InputError, match="task is 'depth'.*SyntheticDepthDataset"):
        SyntheticSegDataset(data_root=str(synthetic_depth_root))
    with pytest.raises(InputError, match="task is 'keypoints'.*SyntheticKeypointDataset"):
        SyntheticDepthDataset(data_root=str(synthetic_keypoint_root))


def test_synthetic_keypoint_dataset_reads_json(synthetic_keypoint_root):
    ds = SyntheticKeypointDataset(data_root=str(synthetic_keypoint_root), keep_ratio=None,
                                  pipeline=KP_PIPELINE)
    assert len(ds) == 6 and ds.metainfo['classes'][2] == 'nose_tip'
    info = ds.get_data_info(1)
    stored = json.loads(open(info['ann_path']).read())['keypoints']
    sample = ds[1]
    kp = sample['data_samples'].gt_keypoints
    assert kp.shape == (5, 3) and kp.dtype == torch.float32
    assert np.allclose(kp.numpy(), np.asarray(stored, np.float32))
    assert (kp[:, 2] == 2).all()  # predicted
    assert len(SyntheticKeypointDataset(data_root=str(synthetic_keypoint_root),
                                        pipeline=[])) == 5  # keep_ratio 0.9 of 6


# --------------------------------------------------------------------------- on the fly
def test_on_the_fly_depth_matches_the_generated_folder(toy_depth_interpreter,
                                                       synthetic_depth_root):
    ds = OnTheFlySyntheticDataset(toy_depth_interpreter['config'],
                                  checkpoint=toy_depth_interpreter['checkpoint'],
                                  cfg_options=toy_depth_interpreter['cfg_options'], length=3,
                                  pipeline=DEPTH_PIPELINE[:2])  # both loading steps skipped
    results = ds[1]
    depth = results['gt_depth_map']
    assert depth.shape == (64, 64) and depth.dtype == np.float32
    assert results['seg_fields'] == ['gt_depth_map']
    record = next(r for r in read_manifest(str(synthetic_depth_root))
                  if r['seed'] == results['seed'])
    png = np.asarray(Image.open(synthetic_depth_root / record['ann'])).astype(np.float32)
    # the file holds round(depth * 1000) (0 where depth <= 0, as on the fly):
    # equal to half a step (batch size 1 vs 3: ~1e-6)
    assert (png > 0).mean() > 0.5
    assert np.abs(png / 1000.0 - depth).max() <= 0.5e-3 + 1e-4


def test_on_the_fly_keypoints_match_the_generated_folder(toy_keypoint_interpreter,
                                                         synthetic_keypoint_root):
    ds = OnTheFlySyntheticDataset(toy_keypoint_interpreter['config'],
                                  checkpoint=toy_keypoint_interpreter['checkpoint'],
                                  cfg_options=toy_keypoint_interpreter['cfg_options'], length=3,
                                  pipeline=KP_PIPELINE)
    sample = ds[2]
    kp = sample['data_samples'].gt_keypoints
    assert kp.shape == (5, 3) and (kp[:, 2] == 2).all()
    seed = ds.get_data_info(2)['seed']
    record = next(r for r in read_manifest(str(synthetic_keypoint_root)) if r['seed'] == seed)
    stored = np.asarray(json.loads((synthetic_keypoint_root / record['ann']).read_text())
                        ['keypoints'], np.float32)
    assert np.abs(stored[:, :2] - kp[:, :2].numpy()).max() <= 1e-3 + 1e-5  # 3 decimals


# ------------------------------------------------------------------ the toy domain's real
def test_toy_faces_depth_dataset(toy_faces_root):
    from mmdsgan.datasets.toy_faces import render_toy_face
    ds = ToyFacesDepthDataset(data_root=str(toy_faces_root), split='test',
                              pipeline=DEPTH_PIPELINE)
    assert len(ds) == 4
    depth = ds[0]['data_samples'].gt_depth_map.data[0].numpy()
    face = render_toy_face(2000, 64)  # the first test seed of the fixture
    assert np.abs(depth - face.depth).max() <= 0.5e-3 + 1e-6
    with pytest.raises(ConfigError, match='depth_rescale_factor'):
        ToyFacesDepthDataset(data_root=str(toy_faces_root), split='test',
                             pipeline=[dict(type='LoadDepthAnnotation')])


def test_toy_faces_keypoint_dataset(toy_faces_root):
    from mmdsgan.datasets.toy_faces import render_toy_face
    ds = ToyFacesKeypointDataset(data_root=str(toy_faces_root), split='val',
                                 pipeline=KP_PIPELINE)
    assert len(ds) == 4 and ds.metainfo['classes'][0] == 'left_eye'
    sample = ds[0]
    face = render_toy_face(1000, 64)
    assert np.allclose(sample['data_samples'].gt_keypoints.numpy(), face.keypoints, atol=1e-3)
    assert sample['data_samples'].metainfo['ori_shape'] == (64, 64)


def test_pack_keypoints_refuses_flips(toy_faces_root):
    ds = ToyFacesKeypointDataset(
        data_root=str(toy_faces_root), split='val',
        pipeline=[dict(type='LoadImageFromFile'), dict(type='RandomFlip', prob=1.0),
                  dict(type='PackKeypointInputs')])
    with pytest.raises(ConfigError, match='remove RandomFlip'):
        ds[0]


# ------------------------------------------------------------------------------- heads
def test_gaussian_heatmaps_decode_back_to_the_keypoints():
    from mmdsgan.tasks.keypoints import decode_keypoints, gaussian_heatmaps, rescale_keypoints
    kp = torch.tensor([[[10.0, 20.0, 2.0], [33.3, 5.6, 1.0], [0.0, 0.0, 0.0]]])
    maps, valid = gaussian_heatmaps(kp, (40, 48), sigma=2.0)
    assert maps.shape == (1, 3, 40, 48) and valid.tolist() == [[True, True, False]]
    assert maps[0, 0, 20, 10] == 1.0 and maps[0, 2].abs().max() == 0
    xy = decode_keypoints(maps, 'centroid')[0]
    assert torch.allclose(xy[:2], kp[0, :2, :2], atol=0.05)
    # ori 64 -> img 32: pixel centres map as (x + 0.5) / 2 - 0.5
    half = rescale_keypoints(kp, (64, 64), (32, 32))
    assert torch.allclose(half[0, 0], torch.tensor([4.75, 9.75, 2.0]))


def _features(n: int = 2, c: int = 8, size: int = 16) -> list:
    torch.manual_seed(0)
    return [torch.randn(n, c, size, size)]


def test_depth_head_loss_and_positive_output():
    from mmengine.structures import PixelData
    from mmseg.registry import MODELS
    from mmseg.structures import SegDataSample
    head = MODELS.build(dict(type='DepthRegressionHead', in_channels=8, channels=8,
                             in_index=0, num_convs=1, concat_input=False))
    feats = _features()
    out = head(feats)
    assert out.shape == (2, 1, 16, 16) and (out > 0).all()
    samples = []
    for _ in range(2):
        s = SegDataSample()
        s.gt_depth_map = PixelData(data=torch.full((1, 32, 32), 2.0))
        samples.append(s)
    losses = head.loss(feats, samples, None)
    assert set(losses) == {'loss_silog'} and torch.isfinite(losses['loss_silog'])
    losses['loss_silog'].backward()
    with pytest.raises(ConfigError, match='one output channel'):
        MODELS.build(dict(type='DepthRegressionHead', num_classes=7, in_channels=8,
                          channels=8))


def test_keypoint_head_loss_is_mse_to_gaussians():
    from mmseg.registry import MODELS
    from mmseg.structures import SegDataSample

    from mmdsgan.tasks.keypoints import gaussian_heatmaps
    head = MODELS.build(dict(type='KeypointHeatmapHead', num_classes=2, in_channels=8,
                             channels=8, in_index=0, num_convs=1, concat_input=False,
                             sigma=1.5, loss_weight=10.0))
    kp = torch.tensor([[5.0, 6.0, 2.0], [9.0, 3.0, 0.0]])
    sample = SegDataSample(metainfo=dict(ori_shape=(16, 16), img_shape=(16, 16),
                                         pad_shape=(16, 16)))
    sample.gt_keypoints = kp
    target, _ = gaussian_heatmaps(kp[None], (16, 16), 1.5)
    zero = torch.zeros(1, 2, 16, 16)
    loss = head.loss_by_feat(zero, [sample])['loss_heatmap']
    # only the labeled keypoint's map counts: 10 * mean(target_0 ** 2)
    assert loss.item() == pytest.approx(10 * target[0, 0].square().mean().item(), rel=1e-5)
    assert head.loss_by_feat(target, [sample])['loss_heatmap'].item() == pytest.approx(0.0,
                                                                                       abs=1e-9)
    assert torch.equal(head.decode_keypoints(target)[0, 0], torch.tensor([5.0, 6.0]))
