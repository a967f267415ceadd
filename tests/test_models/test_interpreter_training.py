"""DatasetGANInterpreter with the MMEngine Runner: a tiny random generator, a tiny labeled-latent
folder written here; the loss falls, checkpoints hold only the head and reload exactly."""
from __future__ import annotations

import copy
import glob
import json
import os.path as osp
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from PIL import Image

import mmdsgan.datasets.labeled_latent_dataset  # noqa: F401  registers the dataset
import mmdsgan.datasets.transforms  # noqa: F401  registers the transforms
import mmdsgan.engine.loss_plateau_hook  # noqa: F401  registers the hook
import mmdsgan.models.backbones.stylegan2_feature_backbone  # noqa: F401  registers the backbone
import mmdsgan.models.heads.interpreter_ensemble_head  # noqa: F401  registers the head
import mmdsgan.models.segmentors.dataset_gan_interpreter  # noqa: F401  registers the model
from mmdsgan.datasets.annotation import render_images, sample_latents
from mmdsgan.engine.loss_plateau_hook import LossPlateauStoppingHook
from mmdsgan.utils.checkpoint import load_checkpoint_safely, register_safe_checkpoint_loading
from tiny_models import tiny_generator_kwargs

TINY_G = tiny_generator_kwargs()  # 16 px, 2 mapping layers, <= 16 channels
CLASSES = ['dark', 'bright']
pytestmark = pytest.mark.usefixtures('one_thread')  # tests/test_models/conftest.py


def _model_cfg(task='seg', num_classes=2, **kwargs):
    return dict(
        type='DatasetGANInterpreter',
        backbone=dict(type='StyleGAN2FeatureBackbone', generator=TINY_G),
        head=dict(type='InterpreterEnsembleHead', num_classes=num_classes, task=task,
                  num_members=3, hidden_dims=[16, 8], chunk_pixels=200),
        num_pixels=64, **kwargs)


def _build(cfg):
    from mmengine.registry import DefaultScope
    from mmseg.registry import MODELS
    torch.manual_seed(0)  # the same random generator every time: our "generator checkpoint"
    with DefaultScope.overwrite_default_scope('mmseg'):
        return MODELS.build(copy.deepcopy(cfg))


@pytest.fixture(scope='module')
def labeled_root(tmp_path_factory):
    """4 latents of the tiny generator, labels = bright/dark pixels of their images at 32x32
    (twice the generator's resolution: the model resizes labels with nearest)."""
    model = _build(_model_cfg())
    generator = next(m for m in model.backbone.modules()
                     if type(m).__name__ == 'Generator')
    root = tmp_path_factory.mktemp('labeled')
    (root / 'latents').mkdir()
    (root / 'labels').mkdir()
    ws = sample_latents(generator, 4, seed=0)
    images = render_images(generator, ws).astype(np.float32).mean(-1)  # (4, 16, 16)
    for i, (w, image) in enumerate(zip(ws.numpy(), images)):
        np.save(root / 'latents' / f'{i}.npy', w)
        label = (image > np.median(image)).astype(np.uint8).repeat(2, 0).repeat(2, 1)
        Image.fromarray(label).save(root / 'labels' / f'{i}.png')
    (root / 'meta.json').write_text(json.dumps(dict(classes=CLASSES, task='seg')))
    return root


def _runner_cfg(root, work_dir, max_iters=20):
    from mmengine.config import Config
    cfg = Config.fromfile(osp.join(osp.dirname(__file__), '..', '..', 'configs', 'interpreter',
                                   '_base_', 'interpreter_runtime.py'))
    cfg.merge_from_dict(dict(
        custom_imports=None,  # the modules are imported above
        work_dir=str(work_dir),
        model=_model_cfg(),
        train_dataloader=dict(
            batch_size=2, num_workers=0, persistent_workers=False,
            sampler=dict(type='InfiniteSampler', shuffle=True),
            dataset=dict(type='LabeledLatentDataset', data_root=str(root),
                         pipeline=[dict(type='LoadLatent'), dict(type='LoadLabel'),
                                   dict(type='PackLatentInputs')])),
        optim_wrapper=dict(optimizer=dict(lr=1e-2)),
        train_cfg=dict(max_iters=max_iters),
        default_hooks=dict(logger=dict(interval=10),
                           checkpoint=dict(interval=max_iters, max_keep_ckpts=1)),
        custom_hooks=[]))
    cfg.pop('custom_imports')
    return cfg


def _tiny_leaf_config(tmp_path) -> str:
    """The toy leaf config with the tiny random generator in place of its checkpoint."""
    leaf = osp.join(osp.dirname(__file__), '..', '..', 'configs', 'interpreter',
                    'interpreter_ensemble10_toy-faces-64x64.py')
    path = tmp_path / 'tiny_leaf.py'
    path.write_text(f"""_base_ = [{osp.abspath(leaf)!r}]
model = dict(backbone=dict(checkpoint=None, generator={TINY_G!r}),
             head=dict(num_members=2, hidden_dims=[8, 4]), num_pixels=32)
custom_hooks = []
""")
    return str(path)


def test_leaf_config_trains_with_tools_train(labeled_root, tmp_path, tool):
    """tools/train.py on the leaf config: needs ``import mmdsgan`` to register this work."""
    runner = tool('train').main([
        _tiny_leaf_config(tmp_path), '--work-dir', str(tmp_path / 'work'), '--cfg-options',
        f'train_dataloader.dataset.data_root={labeled_root}', 'train_dataloader.batch_size=2',
        f'model.head.num_classes={len(CLASSES)}',  # the head must match the folder's classes
        'train_cfg.max_iters=2', 'default_hooks.checkpoint.interval=2'])
    assert runner.iter == 2
    state = load_checkpoint_safely(str(tmp_path / 'work' / 'iter_2.pth'))['state_dict']
    assert state and not [k for k in state if k.startswith('backbone.')]


def test_sample_for_annotation_tool(tmp_path, tool):
    ids = tool('sample_for_annotation').main([
        _tiny_leaf_config(tmp_path), '--num', '2', '--out', str(tmp_path / 'ann'),
        '--seed', '7'])
    assert ids == ['seed00000007', 'seed00000008']
    meta = json.loads((tmp_path / 'ann' / 'metainfo.json').read_text())
    assert meta['latent_type'] == 'wplus' and len(meta['classes']) == 7
    assert np.load(tmp_path / 'ann' / 'latents' / 'seed00000008.npy').shape[-1] == TINY_G['w_dim']
    assert Image.open(tmp_path / 'ann' / 'images' / 'seed00000007.png').size == (16, 16)


def _batch(root):
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import DefaultScope
    from mmdsgan.datasets.labeled_latent_dataset import LabeledLatentDataset
    with DefaultScope.overwrite_default_scope('mmseg'):
        ds = LabeledLatentDataset(str(root), pipeline=[
            dict(type='LoadLatent'), dict(type='LoadLabel'), dict(type='PackLatentInputs')])
        return pseudo_collate([ds[i] for i in range(len(ds))])


def test_runner_trains_and_head_only_checkpoint_reloads(labeled_root, tmp_path):
    from mmengine.runner import Runner, load_checkpoint
    register_safe_checkpoint_loading()
    runner = Runner.from_cfg(_runner_cfg(labeled_root, tmp_path))
    runner.train()
    losses = runner.message_hub.get_scalar('train/loss').data[0]
    assert len(losses) == 20
    assert np.mean(losses[-5:]) < 0.8 * np.mean(losses[:5])

    ckpt_path = sorted(glob.glob(str(tmp_path / 'iter_*.pth')))[-1]
    state = load_checkpoint_safely(ckpt_path)['state_dict']
    assert not [k for k in state if k.startswith('backbone.')]
    assert 'head.mlp.linears.0.weight' in state

    batch = _batch(labeled_root)
    trained = runner.model.eval()
    expected = trained.test_step(copy.deepcopy(batch))
    fresh = _build(_model_cfg())
    load_checkpoint(fresh, ckpt_path, strict=True)  # the missing backbone keys are tolerated
    got = fresh.eval().test_step(copy.deepcopy(batch))
    for a, b in zip(expected, got):
        assert torch.equal(a.pred_sem_seg.data, b.pred_sem_seg.data)
        assert torch.equal(a.seg_logits.data, b.seg_logits.data)
        assert torch.equal(a.uncertainty.data, b.uncertainty.data)

    # The predictions feed MMSeg's IoUMetric (labels were resized 32 -> 16 like the training).
    from mmseg.evaluation import IoUMetric

    def iou_metric(samples):
        metric = IoUMetric(iou_metrics=['mIoU'])
        metric.dataset_meta = dict(classes=CLASSES)
        metric.process(batch, [s.to_dict() for s in samples])
        return metric.compute_metrics(metric.results)

    result = iou_metric(got)
    assert got[0].gt_sem_seg.data.shape == got[0].pred_sem_seg.data.shape == (1, 16, 16)
    # mIoU by hand: intersections and unions of both classes summed over the 4 images.
    pred = torch.cat([s.pred_sem_seg.data for s in got])
    gt = torch.cat([s.gt_sem_seg.data for s in got])
    ious = [((pred == c) & (gt == c)).sum().item() / ((pred == c) | (gt == c)).sum().item()
            for c in (0, 1)]
    assert result['mIoU'] == pytest.approx(round(50 * sum(ious), 2), abs=0.011)
    # Learned something: the labels split each image at its median, so a constant prediction
    # scores about aAcc 50, mIoU 25; the untrained head scores about that on the same batch.
    # (Measured: trained 85.35 / 74.14, untrained 40.72 / 24.1.)
    untrained = iou_metric(_build(_model_cfg()).eval().test_step(copy.deepcopy(batch)))
    assert result['aAcc'] > 60 and result['mIoU'] > 50
    assert result['mIoU'] > untrained['mIoU'] + 20, (result, untrained)


def test_gather_matches_materialised_hypercolumns():
    import torch.nn.functional as F
    model = _build(_model_cfg())
    latents = torch.randn(2, model.backbone.z_dim)
    feats = model.extract_feats(latents)
    full = torch.cat([F.interpolate(f, (16, 16), mode='bilinear', align_corners=False)
                      for f in feats], 1)  # (N, C, H, W)
    coords = torch.tensor([[0, 0, 0], [1, 15, 3], [0, 7, 9], [1, 2, 14]])
    torch.testing.assert_close(model._gather(feats, coords),
                               full[coords[:, 0], :, coords[:, 1], coords[:, 2]],
                               atol=1e-5, rtol=0)
    assert model.forward(latents, mode='tensor').shape == (2, 3, 2, 16, 16)  # (N, M, K, H, W)


def test_sampling_respects_ignore_and_balance():
    model = _build(_model_cfg(class_balanced=True))
    labels = torch.zeros(2, 16, 16, dtype=torch.long)
    labels[:, :2, :2] = 1  # 4 pixels of class 1 in each image
    labels[:, 8:] = 255  # half of each image unlabeled
    coords = model._sample_coords(labels, 2)  # (M, 2 * 64, 3)
    assert coords.shape == (3, 128, 3)
    picked = labels[coords[..., 0], coords[..., 1], coords[..., 2]]
    assert (picked != 255).all()
    assert 0.3 < (picked == 1).float().mean() < 0.7  # balanced: about half, not 4/128


def test_partial_class_balance_keeps_some_prior():
    model = _build(_model_cfg(class_balanced=0.5))
    labels = torch.zeros(1, 16, 16, dtype=torch.long)
    labels[:, :2, :2] = 1  # 4 pixels of class 1, 252 of class 0
    weights = model._pixel_weights(labels, 1)[0]  # (H*W,)
    share = weights[labels.flatten() == 1].sum() / weights.sum()
    # probability ~ count ** -0.5: 4 / sqrt(4) vs 252 / sqrt(252)
    assert share.item() == pytest.approx(2 / (2 + 252 ** 0.5), rel=1e-5)
    with pytest.raises(ValueError, match='class_balanced'):
        _build(_model_cfg(class_balanced=2.0))


def test_keypoint_sampling_balances_near_and_far():
    model = _build(_model_cfg(task='keypoints', class_balanced=True))
    keypoints = torch.tensor([[[4.0, 4.0, 1.0], [12.0, 12.0, 0.0]]]).repeat(2, 1, 1)
    coords = model._sample_coords(keypoints, 2)  # (M, 128, 3)
    dist = ((coords[..., 2] - 4.0) ** 2 + (coords[..., 1] - 4.0) ** 2).float().sqrt()
    near = (dist <= 3 * model.head.heatmap_sigma).float().mean()
    assert 0.3 < near < 0.7  # half near the visible keypoint (a few % of the pixels)


@pytest.mark.parametrize('task', ['depth', 'keypoints'])
def test_regression_tasks_train(task):
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    model = _build(_model_cfg(task=task, num_classes=2))
    samples = []
    for _ in range(2):
        sample = SegDataSample(metainfo=dict(ori_shape=(8, 8)))
        if task == 'depth':
            sample.gt_depth_map = PixelData(data=torch.rand(1, 8, 8) + 0.1)
        else:
            sample.gt_keypoints = torch.tensor([[2.0, 3.0, 1.0], [5.0, 5.0, 0.0]])
        samples.append(sample)
    latents = torch.randn(2, model.backbone.z_dim)
    loss = model(latents, samples, mode='loss')[f'loss_{task}']
    loss.backward()
    assert loss.item() > 0 and model.head.mlp.first.weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in model.backbone.parameters())  # frozen
    out = model.eval()(latents, samples, mode='predict')
    if task == 'depth':
        assert out[0].pred_depth_map.data.shape == (1, 16, 16)
        assert out[0].gt_depth_map.data.shape == (1, 16, 16)
    else:
        assert out[0].pred_keypoints.shape == (2, 2)
        assert out[0].pred_heatmaps.data.shape == (2, 16, 16)
    assert out[0].uncertainty.data.shape == (1, 16, 16)
    assert 'uncertainty_score' in out[0].metainfo


def test_loss_plateau_hook_stops():
    hook = LossPlateauStoppingHook(patience=3, min_iters=2)
    runner = SimpleNamespace(iter=0, train_loop=SimpleNamespace(stop_training=False))
    for i, loss in enumerate([3.0, 2.0, 2.5, 2.1, 1.9, 2.0, 2.2, 2.3]):
        runner.iter = i
        hook.after_train_iter(runner, i, outputs=dict(loss=torch.tensor(loss)))
        if runner.train_loop.stop_training:
            break
    # the best, 1.9, came at i = 4: three iterations without a new best stop it at i = 7
    assert i == 7 and hook.best == pytest.approx(1.9)
    with pytest.raises(KeyError, match='loss_key'):
        hook.after_train_iter(runner, 0, outputs=dict(other=1.0))


def test_sample_for_annotation_paints_the_crop_window(tmp_path, tool):
    # With model.crop (LSUN-car's 512x384 window), the images to paint are the window the
    # interpreter labels: here rows 2..14 of the 16 px frame, the rows of the uncropped images.
    common = [_tiny_leaf_config(tmp_path), '--num', '2', '--seed', '3']
    tool('sample_for_annotation').main([*common, '--out', str(tmp_path / 'full')])
    tool('sample_for_annotation').main([
        *common, '--out', str(tmp_path / 'crop'), '--cfg-options',
        'model.crop.top=2', 'model.crop.left=0', 'model.crop.height=12', 'model.crop.width=16'])
    full = np.asarray(Image.open(tmp_path / 'full' / 'images' / 'seed00000003.png'))
    crop = np.asarray(Image.open(tmp_path / 'crop' / 'images' / 'seed00000003.png'))
    assert crop.shape == (12, 16, 3)
    assert np.array_equal(crop, full[2:14])
