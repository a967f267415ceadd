"""tools/invert.py: the LabeledLatentDataset it writes, labels carried over exactly, the report,
resuming, depth / keypoints, LPIPS on and its missing-file error."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
from mmengine.registry import DefaultScope
from PIL import Image

import mmdsgan.datasets.transforms  # noqa: F401  registers LoadLatent / LoadLabel / Pack...
from mmdsgan.tasks.depth import read_depth_png
from mmdsgan.tasks.keypoints import read_keypoints_json
from mmdsgan.tasks.seg import read_index_png
from mmdsgan.datasets.labeled_latent_dataset import LabeledLatentDataset
from mmdsgan.datasets.square_fit import SquareFit
from mmdsgan.models.inversion import LPIPSBackboneError

from conftest import INVERT_CONFIG  # noqa: E402  (tests/test_inversion)

IDS = [f'toy_{seed:06d}' for seed in range(4)]
PIPELINE = [dict(type='LoadLatent'), dict(type='LoadLabel'), dict(type='PackLatentInputs')]


def _first_packed(out) -> dict:
    """Item 0 of the folder through the interpreter's loading pipeline."""
    with DefaultScope.overwrite_default_scope('mmseg'):  # as under a config's default_scope
        dataset = LabeledLatentDataset(data_root=str(out), pipeline=PIPELINE)
    assert len(dataset) == 4
    return dataset[0]


def _invert(tool, root, out, generator, task='seg', *options):
    return tool('invert').main([
        INVERT_CONFIG, '--data', str(root), '--out', str(out), '--task', task, '--device', 'cpu',
        '--cfg-options', f'model.generator_checkpoint={generator}', 'inversion.use_lpips=False',
        'inversion.batch_size=3', *options])


@pytest.fixture(scope='module')
def seg_out(tool, real_toy_root, tiny_generator_path, tmp_path_factory):
    out = tmp_path_factory.mktemp('inverted') / 'seg'
    report = _invert(tool, real_toy_root, out, tiny_generator_path, 'seg', 'inversion.steps=10')
    return out, report


def test_seg_folder_layout_and_exact_labels(seg_out, real_toy_root):
    out, _ = seg_out
    meta = json.loads((out / 'metainfo.json').read_text())
    assert meta['task'] == 'seg' and meta['latent_type'] == 'wplus'
    assert meta['classes'][:2] == ['background', 'skin'] and len(meta['palette']) == 7
    for sub, ext in [('latents', '.npy'), ('labels', '.png'), ('images', '.png'),
                     ('previews', '.png'), ('metrics', '.json')]:
        assert sorted(os.listdir(out / sub)) == [i + ext for i in IDS], sub
    assert np.load(out / 'latents' / f'{IDS[0]}.npy').shape == (6, 16)  # (num_ws, w_dim)
    assert Image.open(out / 'images' / f'{IDS[0]}.png').size == (16, 16)
    assert Image.open(out / 'previews' / f'{IDS[0]}.png').size == (48, 16)  # real|recon|overlay
    for sample_id in IDS:
        source = read_index_png(str(real_toy_root / 'ann_dir' / 'train' / f'{sample_id}.png'))
        written = Image.open(out / 'labels' / f'{sample_id}.png')
        assert written.mode == 'P'
        expected = SquareFit.for_shape(32, 32, 16).nearest(source)
        assert np.array_equal(np.asarray(written), expected)
    packed = _first_packed(out)
    assert packed['inputs'].shape == (6, 16)
    assert packed['data_samples'].gt_sem_seg.data.shape == (1, 16, 16)
    assert packed['data_samples'].img_path.endswith(f'images/{IDS[0]}.png')


def test_report_fields(seg_out):
    out, report = seg_out
    on_disk = json.loads((out / 'report.json').read_text())
    assert on_disk['num_images'] == report['num_images'] == 4
    assert on_disk['settings']['steps'] == 10 and on_disk['mean_lpips'] is None
    rows = {row['id']: row for row in on_disk['images']}
    assert sorted(rows) == IDS
    for row in rows.values():
        assert row['psnr'] >= row['start_psnr'] - 0.05  # the best latent is kept
    assert on_disk['mean_psnr'] == pytest.approx(np.mean([r['psnr'] for r in rows.values()]))
    assert '| toy_000000 |' in (out / 'report.md').read_text()


def test_rerun_resumes_without_rewriting(tool, seg_out, real_toy_root, tiny_generator_path,
                                         capsys):
    out, _ = seg_out
    os.remove(out / 'latents' / f'{IDS[3]}.npy')  # as if interrupted before the last latent
    stamps = {i: os.stat(out / 'latents' / f'{i}.npy').st_mtime_ns for i in IDS[:3]}
    capsys.readouterr()
    report = _invert(tool, real_toy_root, out, tiny_generator_path, 'seg', 'inversion.steps=10')
    assert '3 done earlier, inverting 1' in capsys.readouterr().out
    assert report['num_images'] == 4
    assert {i: os.stat(out / 'latents' / f'{i}.npy').st_mtime_ns for i in IDS[:3]} == stamps
    with pytest.raises(ValueError, match='belongs to another dataset'):
        _invert(tool, real_toy_root, out, tiny_generator_path, 'depth', 'inversion.steps=0')


def test_depth_values_carried_over_with_lpips(tool, real_toy_root, tiny_generator_path,
                                              vgg16_file, tmp_path):
    out = tmp_path / 'depth'
    report = _invert(tool, real_toy_root, out, tiny_generator_path, 'depth',
                     'inversion.steps=2', 'inversion.use_lpips=True',
                     f'inversion.lpips_backbone={vgg16_file}')
    assert report['mean_lpips'] is not None and report['mean_lpips'] > 0
    meta = json.loads((out / 'metainfo.json').read_text())
    assert meta['task'] == 'depth' and meta['depth_scale'] == 1000.0
    for sample_id in IDS:
        source = read_depth_png(str(real_toy_root / 'depth_dir' / 'train' / f'{sample_id}.png'))
        written = Image.open(out / 'labels' / f'{sample_id}.png')
        assert written.mode.startswith('I;16')
        expected = SquareFit.for_shape(32, 32, 16).nearest(source.astype(np.uint16))
        assert np.array_equal(np.asarray(written).astype(np.uint16), expected)
    depth = _first_packed(out)['data_samples'].gt_depth_map.data  # (1, 16, 16) PNG / 1000
    assert depth.shape == (1, 16, 16) and 0.5 <= depth.max().item() <= 8.0


def test_keypoints_transformed_with_the_image(tool, real_toy_root, tiny_generator_path,
                                              tmp_path):
    out = tmp_path / 'kp'
    _invert(tool, real_toy_root, out, tiny_generator_path, 'keypoints', 'inversion.steps=0')
    coco = json.loads((real_toy_root / 'keypoints' / 'train.json').read_text())
    by_name = {img['file_name']: img['id'] for img in coco['images']}
    anns = {a['image_id']: a for a in coco['annotations']}
    for sample_id in IDS:
        source = np.asarray(anns[by_name[sample_id + '.png']]['keypoints'],
                            np.float32).reshape(-1, 3)
        written, size = read_keypoints_json(str(out / 'labels' / f'{sample_id}.json'))
        assert size == (16, 16)
        expected = SquareFit.for_shape(32, 32, 16).keypoints(source)
        np.testing.assert_allclose(written, expected, rtol=1e-6)
        np.testing.assert_allclose(written[:, :2], (source[:, :2] + 0.5) / 2 - 0.5, rtol=1e-6)
    assert json.loads((out / 'metainfo.json').read_text())['keypoints'][0] == 'left_eye'
    assert _first_packed(out)['data_samples'].gt_keypoints.shape == (5, 3)


def test_missing_lpips_backbone_stops_the_tool(tool, real_toy_root, tiny_generator_path,
                                               tmp_path):
    with pytest.raises(LPIPSBackboneError, match='nowhere/vgg16.pth'):
        _invert(tool, real_toy_root, tmp_path / 'x', tiny_generator_path, 'seg',
                'inversion.use_lpips=True',
                f'inversion.lpips_backbone={tmp_path}/nowhere/vgg16.pth')
