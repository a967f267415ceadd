"""A tiny depth and keypoint model trains through tools/train.py, is scored by tools/test.py
(the reported numbers equal those recomputed from the kept predictions), and the benchmark
tabulates their metrics."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

pytestmark = pytest.mark.slow  # every test runs tools/train.py or tools/test.py end to end

DEPTH = ('configs/downstream/'
         'unet-c16-s5-d16_depth-silog_1xb16-1k_real16-toy-faces-depth-64x64.py')
KEYPOINTS = ('configs/downstream/'
             'unet-c16-s5-d16_kp-heatmap_1xb16-1k_real16-toy-faces-keypoints-64x64.py')


def _opts(root) -> list[str]:
    return [f'{s}_dataloader.dataset.data_root={root}' for s in ('train', 'val', 'test')] + [
        'train_dataloader.batch_size=2', 'default_hooks.checkpoint.interval=2',
        'train_cfg.val_interval=100']


def _train(tool, repo_root, config, root, work):
    tool('train').main([str(repo_root / config), '--work-dir', str(work), '--cfg-options',
                        *_opts(root), 'train_cfg.max_iters=2'])
    ckpt = work / 'iter_2.pth'
    assert torch.load(ckpt, map_location='cpu', weights_only=True)['meta']['iter'] == 2
    return ckpt


def test_depth_model_trains_and_is_scored(tool, repo_root, toy_faces_root, tmp_path):
    ckpt = _train(tool, repo_root, DEPTH, toy_faces_root, tmp_path / 'work')
    metrics = tool('test').main([
        str(repo_root / DEPTH), str(ckpt), '--work-dir', str(tmp_path / 'test'), '--out',
        str(tmp_path / 'preds'), '--cfg-options', *_opts(toy_faces_root),
        'test_evaluator.depth_scale_factor=1000'])  # predictions kept in mm (16-bit PNGs)
    assert set(metrics) == {'nmse', 'rmse', 'rmse_log', 'abs_rel', 'd1'}
    nmse, rmse, rmse_log = [], [], []
    for gt_path in sorted((toy_faces_root / 'depth_dir' / 'test').glob('*.png')):
        gt = np.asarray(Image.open(gt_path)).astype(np.float64) / 1000
        pred = np.asarray(Image.open(tmp_path / 'preds' / gt_path.name)).astype(np.float64)
        pred = pred / 1000
        assert pred.shape == gt.shape == (64, 64) and pred.min() > 0
        nmse.append(((pred - gt) ** 2).sum() / (gt ** 2).sum())
        rmse.append(np.sqrt(((pred - gt) ** 2).mean()))
        rmse_log.append(np.sqrt(((np.log(pred) - np.log(gt)) ** 2).mean()))
    assert len(nmse) == 4
    # the kept PNGs are the predictions truncated to 1/1000: equal to about 1e-3
    assert metrics['rmse'] == pytest.approx(np.mean(rmse), abs=2e-3)
    assert metrics['nmse'] == pytest.approx(np.mean(nmse), rel=1e-2)
    assert metrics['rmse_log'] == pytest.approx(np.mean(rmse_log), abs=5e-3)


def test_keypoint_model_trains_and_is_scored(tool, repo_root, toy_faces_root, tmp_path):
    ckpt = _train(tool, repo_root, KEYPOINTS, toy_faces_root, tmp_path / 'work')
    metrics = tool('test').main([
        str(repo_root / KEYPOINTS), str(ckpt), '--work-dir', str(tmp_path / 'test'), '--out',
        str(tmp_path / 'preds'), '--cfg-options', *_opts(toy_faces_root)])
    assert set(metrics) == {'PCK@0.1', 'PCK@0.05', 'PCK@0.02'}
    coco = json.loads((toy_faces_root / 'keypoints' / 'test.json').read_text())
    anns = {a['image_id']: a for a in coco['annotations']}
    dist = []
    for image in coco['images']:
        gt = np.asarray(anns[image['id']]['keypoints'], float).reshape(-1, 3)
        pred = json.loads((tmp_path / 'preds' / image['file_name'].replace('.png', '.json'))
                          .read_text())
        xy = np.asarray(pred['keypoints'], float)[:, :2]
        assert xy.shape == (5, 2) and (pred['height'], pred['width']) == (64, 64)
        dist += list(np.linalg.norm(xy - gt[:, :2], axis=1)[gt[:, 2] > 0] / 64)
    for alpha in (0.1, 0.05, 0.02):  # predictions kept to 3 decimals
        assert metrics[f'PCK@{alpha:g}'] == pytest.approx(
            100 * np.mean(np.asarray(dist) <= alpha), abs=100 / len(dist) + 1e-6)


def test_benchmark_tabulates_depth_metrics(tool, repo_root, toy_faces_root, tmp_path):
    opts = {f'{s}_dataloader.dataset.data_root': str(toy_faces_root)
            for s in ('train', 'val', 'test')}
    opts.update({'train_dataloader.batch_size': 2, 'train_cfg.max_iters': 1,
                 'train_cfg.val_interval': 100, 'default_hooks.checkpoint.interval': 1,
                 'param_scheduler.0.end': 1})
    spec = tmp_path / 'spec.py'
    spec.write_text(
        f"arms = [dict(name='a', config={str(repo_root / DEPTH)!r}, labeled_images=8),\n"
        f"        dict(name='b', config={str(repo_root / DEPTH)!r}, labeled_images=8)]\n"
        f'seeds = [0]\ncfg_options = {opts!r}\n'
        f"metrics = ['nmse', 'rmse', 'rmse_log']\nwork_dir = {str(tmp_path / 'bench')!r}\n")
    results = tool('benchmark').main([str(spec)])
    assert [r['arm'] for r in results] == ['a', 'b']
    text = (tmp_path / 'bench' / 'results.md').read_text()
    assert '| arm | labeled images | seeds | nmse | rmse | rmse_log |' in text
    row = next(line for line in text.splitlines() if line.startswith('| a |'))
    assert f"{results[0]['metrics']['rmse']:.4g} ± 0" in row
    assert (tmp_path / 'bench' / 'results.png').is_file()
