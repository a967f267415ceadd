"""Cityscapes depth from its shipped disparity PNGs: the dataset, the transform, the config and
the inversion reader, on a tiny Cityscapes-shaped folder."""
from __future__ import annotations

import json

import numpy as np
import pytest
from mmengine.registry import DefaultScope
from mmseg.registry import DATASETS
from PIL import Image

import mmdsgan  # noqa: F401  (registers the dataset and transform)
from mmdsgan.datasets.real import CityscapesDepthDataset, LoadCityscapesDepth
from mmdsgan.datasets.real_labeled import RealDataError, read_real_labeled
from mmdsgan.datasets.square_fit import SquareFit
from mmdsgan.utils.config import load_config
from mmdsgan.utils.errors import InputError, MissingFileError

NAMES = ('aachen_000001_000019', 'aachen_000000_000019')  # written out of order on purpose
CAMERAS = {'aachen_000000_000019': (0.222126, 2268.36), 'aachen_000001_000019': (0.2, 2000.0)}
# disparity PNG values: 0 invalid, 1 zero disparity (infinitely far), 257 / 2049 / 4097 give
# d = 1 / 8 / 16 px, 20481 d = 80 px
P_CYCLE = np.array([0, 1, 257, 2049, 4097, 20481], np.uint16)
P = P_CYCLE[np.arange(8 * 16).reshape(8, 16) % len(P_CYCLE)]


def _expected(name: str) -> np.ndarray:
    """Depth by hand: baseline * fx / d with d = 1, 8, 16, 80 px; 0 where unknown."""
    k = CAMERAS[name][0] * CAMERAS[name][1]
    per_value = np.array([0, 0, k, k / 8, k / 16, k / 80], np.float64)
    return per_value[np.arange(8 * 16).reshape(8, 16) % len(P_CYCLE)].astype(np.float32)


def write_cityscapes_depth(root) -> None:
    """2 val images (8x16) of aachen with their disparity PNG (:data:`P`) and camera json."""
    for sub in ('leftImg8bit', 'disparity', 'camera'):
        (root / sub / 'val' / 'aachen').mkdir(parents=True)
    for name in NAMES:
        Image.fromarray(np.zeros((8, 16, 3), np.uint8)).save(
            root / 'leftImg8bit' / 'val' / 'aachen' / f'{name}_leftImg8bit.png')
        Image.fromarray(P).save(root / 'disparity' / 'val' / 'aachen' / f'{name}_disparity.png')
        baseline, fx = CAMERAS[name]
        (root / 'camera' / 'val' / 'aachen' / f'{name}_camera.json').write_text(json.dumps(
            {'extrinsic': {'baseline': baseline, 'pitch': 0.038, 'x': 1.7},
             'intrinsic': {'fx': fx, 'fy': fx, 'u0': 1050.0, 'v0': 500.0}}))


@pytest.fixture
def root(tmp_path):
    write_cityscapes_depth(tmp_path)
    return tmp_path


def test_fixture_disparity_keeps_16_bits(root):
    with Image.open(root / 'disparity' / 'val' / 'aachen' / f'{NAMES[0]}_disparity.png') as im:
        assert im.mode.startswith('I') and np.asarray(im).max() == 20481


def test_dataset_lists_sorted_samples_and_transform_gives_meters(root):
    dataset = CityscapesDepthDataset(data_root=str(root), split='val', pipeline=[])
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    stems = sorted(NAMES)
    assert [i['img_path'].rsplit('/', 1)[1] for i in infos] == \
        [f'{n}_leftImg8bit.png' for n in stems]
    assert [i['sample_idx'] for i in infos] == [0, 1]
    assert (infos[0]['baseline'], infos[0]['fx']) == CAMERAS[stems[0]]
    assert infos[0]['disparity_path'].endswith(f'disparity/val/aachen/{stems[0]}_disparity.png')
    for name, info in zip(stems, infos):
        results = LoadCityscapesDepth()(dict(info))
        depth = results['gt_depth_map']
        assert depth.dtype == np.float32 and depth.shape == (8, 16)
        assert results['seg_fields'] == ['gt_depth_map']
        np.testing.assert_allclose(depth, _expected(name), rtol=1e-6)
        k = CAMERAS[name][0] * CAMERAS[name][1]
        assert depth[0, 2] == pytest.approx(k, rel=1e-6)  # p = 257: d = 1 px
        assert (depth[P <= 1] == 0).all() and (depth[P > 1] > 0).all()


def test_sample_ids_select_and_order(root):
    ids = ['aachen_000001_000019_leftImg8bit', 'aachen_000000_000019_leftImg8bit']
    dataset = CityscapesDepthDataset(data_root=str(root), split='val', pipeline=[],
                                     sample_ids=ids[:1])
    assert len(dataset) == 1 and dataset.get_data_info(0)['img_path'].endswith(
        ids[0] + '.png')
    id_file = root / 'ids.txt'
    id_file.write_text('\n'.join(ids) + '\n')
    dataset = CityscapesDepthDataset(data_root=str(root), split='val', pipeline=[],
                                     sample_ids=str(id_file))
    assert [dataset.get_data_info(i)['img_path'].rsplit('/', 1)[1][:-4]
            for i in range(2)] == ids
    with pytest.raises(InputError, match='not in CityscapesDepthDataset'):
        CityscapesDepthDataset(data_root=str(root), split='val', pipeline=[],
                               sample_ids=['nope'])


def test_missing_or_bad_files_are_named(root):
    camera = root / 'camera' / 'val' / 'aachen' / f'{NAMES[0]}_camera.json'
    camera.write_text('{"extrinsic": {}, "intrinsic": {"fx": 2268.36}}')
    with pytest.raises(InputError, match=f'{NAMES[0]}_camera.json: not a Cityscapes camera'):
        CityscapesDepthDataset(data_root=str(root), split='val', pipeline=[])
    camera.unlink()
    with pytest.raises(MissingFileError, match=f'{NAMES[0]}_camera.json not found'):
        CityscapesDepthDataset(data_root=str(root), split='val', pipeline=[])
    write_cityscapes_depth(root / 'b')
    (root / 'b' / 'disparity' / 'val' / 'aachen' / f'{NAMES[1]}_disparity.png').unlink()
    with pytest.raises(MissingFileError, match=f'{NAMES[1]}_disparity.png not found'):
        CityscapesDepthDataset(data_root=str(root / 'b'), split='val', pipeline=[])
    write_cityscapes_depth(root / 'c')
    first = sorted(NAMES)[0]
    bad = root / 'c' / 'disparity' / 'val' / 'aachen' / f'{first}_disparity.png'
    Image.fromarray(np.zeros((8, 16), np.uint8)).save(bad)  # 8-bit: not a Cityscapes disparity
    dataset = CityscapesDepthDataset(data_root=str(root / 'c'), split='val', pipeline=[])
    with pytest.raises(InputError, match=f'{first}_disparity.png: uint8.*16-bit'):
        LoadCityscapesDepth()(dataset.get_data_info(0))


def test_config_builds_and_packs_gt_depth_map(repo_root, root):
    cfg = load_config(str(repo_root / 'configs/_base_/datasets/cityscapes_depth.py'))
    assert cfg.test_evaluator['type'] == 'DepthErrorMetric'
    spec = cfg.test_dataloader.dataset.to_dict()
    spec['data_root'] = str(root)
    with DefaultScope.overwrite_default_scope('mmseg'):
        dataset = DATASETS.build(spec)
        sample = dataset[0]
    assert len(dataset) == 2
    assert tuple(sample['inputs'].shape) == (3, 256, 512)  # resized to HandsOff's scale
    gt = sample['data_samples'].gt_depth_map.data
    assert tuple(gt.shape) == (1, 8, 16)  # scored at the original size
    np.testing.assert_allclose(gt[0].numpy(), _expected(sorted(NAMES)[0]), rtol=1e-6)


def test_inversion_reads_depth_in_meters(root):
    real = read_real_labeled(str(root), 'cityscapes-depth', 'val', 'depth')
    assert real.task == 'depth' and real.classes == ['depth'] and real.depth_scale == 256.0
    assert real.ids == [f'{n}_leftImg8bit' for n in sorted(NAMES)]
    fit = SquareFit.for_shape(8, 16, 8)
    for i, name in enumerate(sorted(NAMES)):
        sample = real.load(i, 8)
        assert sample.image.shape == (8, 8, 3)
        assert sample.label.dtype == np.float32 and sample.label.shape == (8, 8)
        np.testing.assert_allclose(sample.label, fit.nearest(_expected(name)), rtol=1e-6)
    with pytest.raises(RealDataError, match='reads depth only; use --task depth'):
        read_real_labeled(str(root), 'cityscapes-depth', 'val', 'seg')
