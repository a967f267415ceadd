"""SyntheticSegDataset (a generated folder) and OnTheFlySyntheticDataset (in the loader)."""
from __future__ import annotations

import pickle
import shutil

import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from torch.utils.data import DataLoader

from mmdsgan.datasets.synthetic import (OnTheFlySyntheticDataset, SyntheticSegDataset,
                                        read_manifest)



@pytest.fixture(autouse=True)
def mmseg_scope():
    """Pipelines name MMSeg transforms; the Runner sets this scope from the config."""
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmseg'):
        yield


PIPELINE = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'),
            dict(type='PackSegInputs')]


def test_synthetic_seg_dataset_reads_the_folder(generated):
    ds = SyntheticSegDataset(data_root=str(generated), keep_ratio=None, pipeline=PIPELINE)
    assert len(ds) == 10
    assert ds.metainfo['classes'] == ('background', 'skin', 'hair', 'eye')
    assert ds.metainfo['palette'][1] == [204, 0, 0]
    sample = ds[0]
    assert sample['inputs'].shape == (3, 32, 32)
    assert sample['data_samples'].gt_sem_seg.data.shape == (1, 32, 32)
    assert ds.get_data_info(0)['seed'] == 100


def test_synthetic_seg_dataset_filters_by_uncertainty(generated):
    records = read_manifest(str(generated))
    worst = max(records, key=lambda r: r['score'])
    ds = SyntheticSegDataset(data_root=str(generated), keep_ratio=0.9, pipeline=[])
    assert len(ds) == 9
    assert worst['id'] not in {ds.get_data_info(i)['sample_id'] for i in range(9)}
    median = float(np.median([r['score'] for r in records]))
    assert len(SyntheticSegDataset(data_root=str(generated), keep_ratio=None,
                                   max_score=median)) == 5


def test_synthetic_seg_dataset_needs_metainfo(generated, tmp_path):
    copy = tmp_path / 'copy'
    shutil.copytree(generated, copy)
    (copy / 'metainfo.json').unlink()
    with pytest.raises(FileNotFoundError, match=f'{copy}/metainfo.json'):
        SyntheticSegDataset(data_root=str(copy))


def test_on_the_fly_is_reproducible_per_index(interpreter, generated):
    ds = OnTheFlySyntheticDataset(interpreter['config'], checkpoint=interpreter['checkpoint'],
                                  length=6, pipeline=[])
    assert len(ds) == 6 and ds.metainfo['classes'][3] == 'eye'
    first, again = ds[2], ds[2]
    assert first['img'].shape == (32, 32, 3) and first['img'].dtype == np.uint8
    assert np.array_equal(first['img'], again['img'])
    assert np.array_equal(first['gt_seg_map'], again['gt_seg_map'])
    assert first['seed'] == 102 and first['seg_fields'] == ['gt_seg_map']
    assert first['img_shape'] == first['ori_shape'] == (32, 32)
    # The generated folder's sample of seed 102, read back: same label, image in BGR.
    record = next(r for r in read_manifest(str(generated)) if r['seed'] == 102)
    from PIL import Image
    stored = np.asarray(Image.open(generated / record['img']))
    assert np.abs(stored[..., ::-1].astype(int) - first['img'].astype(int)).max() <= 1
    label = np.asarray(Image.open(generated / record['ann']))
    assert (label == first['gt_seg_map']).mean() > 0.99


def test_on_the_fly_uncertainty_rejection(interpreter, generated):
    scores = {r['seed']: r['score'] for r in read_manifest(str(generated))}
    threshold = float(np.median(list(scores.values())))
    ds = OnTheFlySyntheticDataset(interpreter['config'], checkpoint=interpreter['checkpoint'],
                                  length=3, max_score=threshold, max_redraws=20, pipeline=[])
    for i in range(3):
        results = ds[i]
        assert results['uncertainty_score'] <= threshold and not results['uncertainty_rejected']
        assert (results['seed'] - 100 - i) % 3 == 0  # redraws use seed + i + k * length


def test_on_the_fly_with_two_workers(interpreter):
    ds = OnTheFlySyntheticDataset(
        interpreter['config'], checkpoint=interpreter['checkpoint'], length=4,
        pipeline=[dict(type='RandomFlip', prob=0.0), dict(type='PackSegInputs')])
    loader = DataLoader(ds, batch_size=2, num_workers=2, collate_fn=pseudo_collate)
    batches = list(loader)
    assert len(batches) == 2
    inputs = torch.stack([x for b in batches for x in b['inputs']])  # (4, 3, 32, 32)
    assert inputs.shape == (4, 3, 32, 32)
    direct = torch.stack([ds[i]['inputs'] for i in range(4)])
    assert torch.equal(inputs, direct)
    labeler = ds.labeler  # built lazily in this process by the direct reads, then reused
    assert ds.labeler is labeler
    clone = pickle.loads(pickle.dumps(ds))  # what a spawned worker receives
    assert clone.labeler is not labeler  # builds its own, which labels the same way
    assert torch.equal(clone[3]['inputs'], direct[3])


def test_visualize_tool_writes_sheet_and_histogram(generated, tool, tmp_path):
    from PIL import Image
    sheet, hist = tool('visualize_dataset').main([str(generated), '--out',
                                                  str(tmp_path / 'sheet.png'), '--num', '4'])
    assert sheet == str(tmp_path / 'sheet.png') and hist == str(tmp_path / 'sheet_hist.png')
    width, height = Image.open(sheet).size
    assert height > width  # 4 rows of 3 panels

    def cut_drawn(path):
        """The keep-ratio cut: a dashed tab:red line across the plot's height (the legend's
        red sample is a few pixels tall)."""
        rgb = np.asarray(Image.open(path).convert('RGB')).astype(int)
        red = np.abs(rgb - [214, 39, 40]).sum(-1) <= 60
        return red.sum(0).max() >= 100

    assert cut_drawn(hist)  # the default keep-ratio 0.9 drops 1 of the 10 samples
    _, hist_all = tool('visualize_dataset').main([str(generated), '--out',
                                                  str(tmp_path / 'all.png'), '--num', '4',
                                                  '--keep-ratio', '1.0'])
    assert not cut_drawn(hist_all)  # keeps everything: no cut to draw
