"""tools/test.py scores a model on real datasets as shipped (Car-Parts-10, CelebAMask-HQ-8),
straight from the dataset configs of configs/_base_/datasets: no conversion step."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from real_fixtures import CAR_PARTS_19_TO_10, CELEBAMASK_19_TO_8

pytestmark = pytest.mark.slow  # each test trains 2 iterations and runs tools/test.py

# A leaf of the kind a user writes: MMSeg's FCN at a quarter-width ResNet-18 (as
# configs/smoke) on one of our real dataset configs; tiny pipelines keep the CPU test short.
LEAF = '''
_base_ = ['mmseg::_base_/models/fcn_r50-d8.py', '{dataset_cfg}',
          'mmseg::_base_/default_runtime.py', 'mmseg::_base_/schedules/schedule_20k.py']
custom_imports = dict(imports=['mmdsgan'], allow_failed_imports=False)
norm_cfg = dict(type='BN', requires_grad=True)
model = dict(
    data_preprocessor=dict(size=(32, 32)), pretrained=None,
    backbone=dict(depth=18, stem_channels=16, base_channels=16, norm_cfg=norm_cfg),
    decode_head=dict(in_channels=128, channels=32, num_classes={num_classes}, norm_cfg=norm_cfg),
    auxiliary_head=dict(in_channels=64, channels=16, num_classes={num_classes},
                        norm_cfg=norm_cfg))
train_pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadRealAnnotations'),
                  dict(type='Resize', scale=(32, 32), keep_ratio=True),
                  dict(type='PackSegInputs')]
test_pipeline = [dict(type='LoadImageFromFile'),
                 dict(type='Resize', scale=(32, 32), keep_ratio=True),
                 dict(type='LoadRealAnnotations'), dict(type='PackSegInputs')]
train_dataloader = dict(batch_size=2, num_workers=0,
                        dataset=dict(data_root='{root}', pipeline=train_pipeline))
val_dataloader = dict(num_workers=0, dataset=dict(data_root='{root}', pipeline=test_pipeline))
test_dataloader = dict(num_workers=0,
                       dataset=dict(data_root='{root}', split='{test_split}',
                                    pipeline=test_pipeline))
train_cfg = dict(max_iters=2, val_interval=100)
param_scheduler = [dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=2, by_epoch=False)]
default_hooks = dict(logger=dict(interval=1), checkpoint=dict(interval=2))
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo'))
'''


def _train_and_score(tmp_path, tool, repo_root, dataset_cfg, root, num_classes, test_split):
    leaf = tmp_path / 'leaf.py'
    leaf.write_text(LEAF.format(dataset_cfg=repo_root / 'configs/_base_/datasets' / dataset_cfg,
                                root=root, num_classes=num_classes, test_split=test_split))
    work = tmp_path / 'work'
    tool('train').main([str(leaf), '--work-dir', str(work)])
    return tool('test').main([str(leaf), str(work / 'iter_2.pth'), '--work-dir',
                              str(work / 'test'), '--out', str(tmp_path / 'preds')])


def _check_scores(metrics, preds_dir, expected: dict, num_classes: int):
    """The reported mIoU / aAcc are those of the kept predictions against the expected labels
    at each image's original size (summed over images, absent classes left out)."""
    preds = sorted(preds_dir.glob('*.png'))
    assert sorted(p.stem for p in preds) == sorted(expected)
    inter, union, pixels = np.zeros(num_classes), np.zeros(num_classes), 0
    for path in preds:
        pred, gt = np.asarray(Image.open(path)), expected[path.stem]
        assert pred.shape == gt.shape, path.stem  # scored at the original size
        for c in range(num_classes):
            inter[c] += np.sum((pred == c) & (gt == c))
            union[c] += np.sum((pred == c) | (gt == c))
        pixels += gt.size
    present = union > 0
    assert metrics['mIoU'] == pytest.approx(
        round(100 * float(np.mean(inter[present] / union[present])), 2), abs=0.011)
    assert metrics['aAcc'] == pytest.approx(round(100 * inter.sum() / pixels, 2), abs=0.011)


def test_car_parts_10_scored_by_test_tool(car_parts_root, tmp_path, tool, repo_root):
    metrics = _train_and_score(tmp_path, tool, repo_root, 'car_parts_10.py',
                               car_parts_root['root'], 10, 'test')
    lut = np.array(CAR_PARTS_19_TO_10, np.uint8)
    expected = {k: lut[v] for k, v in car_parts_root['labels']['testset'].items()}
    _check_scores(metrics, tmp_path / 'preds', expected, 10)


def test_celebamask_8_scored_by_test_tool(celebamask_root, tmp_path, tool, repo_root):
    metrics = _train_and_score(tmp_path, tool, repo_root, 'celebamask_hq_8.py',
                               celebamask_root['root'], 8, 'test')
    lut = np.array(CELEBAMASK_19_TO_8, np.uint8)
    expected = {str(i): np.kron(lut[celebamask_root['labels'][i]], np.ones((2, 2), np.uint8))
                for i in (2000, 2001)}
    _check_scores(metrics, tmp_path / 'preds', expected, 8)
