"""tools/train.py trains and saves, --resume continues, tools/test.py reports mIoU (torch 2.14)."""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from PIL import Image

SMOKE = 'configs/smoke/fcn_r18-c16-d8_1xb8-20iter_toy-faces-64x64.py'
pytestmark = pytest.mark.slow  # every test runs tools/train.py or tools/test.py end to end


@pytest.fixture(scope='module')
def trained(tmp_path_factory, toy_faces_root, repo_root, tool):
    work = tmp_path_factory.mktemp('smoke_work')
    opts = [f'train_dataloader.dataset.data_root={toy_faces_root}',
            f'val_dataloader.dataset.data_root={toy_faces_root}',
            f'test_dataloader.dataset.data_root={toy_faces_root}',
            'train_dataloader.batch_size=2', 'default_hooks.checkpoint.interval=2',
            'train_cfg.val_interval=100']
    args = [str(repo_root / SMOKE), '--work-dir', str(work), '--cfg-options', *opts]
    tool('train').main(args + ['train_cfg.max_iters=2'])
    return work, args, opts


def test_train_saves_checkpoint(trained):
    work, _, _ = trained
    ckpt = torch.load(work / 'iter_2.pth', map_location='cpu', weights_only=True)
    assert ckpt['meta']['iter'] == 2
    assert any(k.startswith('decode_head.conv_seg') for k in ckpt['state_dict'])
    assert (work / 'last_checkpoint').read_text().strip().endswith('iter_2.pth')


def test_resume_continues_from_checkpoint(trained, tool):
    work, args, _ = trained
    runner = tool('train').main(args + ['train_cfg.max_iters=4', 'param_scheduler.0.end=4',
                                        '--resume'])
    assert runner.iter == 4
    assert (work / 'iter_4.pth').is_file()
    logs = ''.join(p.read_text() for p in work.glob('*/*.log'))
    assert re.search(r'Auto resumed from the latest checkpoint .*iter_2\.pth', logs)
    assert 'resumed epoch: 0, iter: 2' in logs


def test_test_tool_reports_miou(trained, tool, repo_root, toy_faces_root):
    work, _, opts = trained
    metrics = tool('test').main([str(repo_root / SMOKE), str(work / 'iter_2.pth'),
                                 '--work-dir', str(work / 'test'), '--out', str(work / 'preds'),
                                 '--cfg-options', *opts])
    # The reported numbers are those of the kept predictions against the test split's masks:
    # intersections and unions summed over the images, classes absent from both left out.
    preds = sorted((work / 'preds').glob('*.png'))
    assert [p.name for p in preds] == sorted(
        p.name for p in (toy_faces_root / 'ann_dir' / 'test').glob('*.png'))
    inter, union = np.zeros(7), np.zeros(7)
    for path in preds:
        pred = np.asarray(Image.open(path))
        gt = np.asarray(Image.open(toy_faces_root / 'ann_dir' / 'test' / path.name))
        assert pred.shape == gt.shape == (64, 64)
        for c in range(7):
            inter[c] += np.sum((pred == c) & (gt == c))
            union[c] += np.sum((pred == c) | (gt == c))
    present = union > 0
    assert metrics['mIoU'] == pytest.approx(
        round(100 * float(np.mean(inter[present] / union[present])), 2), abs=0.011)
    assert metrics['aAcc'] == pytest.approx(round(100 * inter.sum() / (4 * 64 * 64), 2),
                                            abs=0.011)


def test_resume_from_explicit_checkpoint(trained, tool, tmp_path):
    _, args, _ = trained
    work = args[2]
    runner = tool('train').main(args[:2] + [str(tmp_path)] + args[3:]
                                + ['train_cfg.max_iters=3', '--resume', f'{work}/iter_2.pth'])
    assert runner.iter == 3
    logs = ''.join(p.read_text() for p in tmp_path.glob('*/*.log'))
    assert 'resumed epoch: 0, iter: 2' in logs


def test_two_runs_in_one_second_log_to_their_own_work_dirs(trained, tool, tmp_path,
                                                            monkeypatch):
    # MMEngine names its logger '<experiment>_<timestamp to the second>' and reuses an existing
    # instance: without a per-run name the second runner writes into the first one's log.
    import time
    monkeypatch.setattr(time, 'strftime', lambda fmt, *a: '20260101_000000')
    _, args, _ = trained
    for name in ('a', 'b'):
        tool('train').main(args[:2] + [str(tmp_path / name)] + args[3:]
                           + ['train_cfg.max_iters=1', 'default_hooks.checkpoint.interval=1'])
    for name in ('a', 'b'):
        log = (tmp_path / name / '20260101_000000' / '20260101_000000.log').read_text()
        assert f'work_dir = \'{tmp_path / name}\'' in log
