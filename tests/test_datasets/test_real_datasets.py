"""Real datasets read as shipped (Car-Parts COCO, CelebAMask-HQ per-part masks): the natural
call, `_background_` as class 0, HandsOff's merges from the configs, any image size, and the
inversion-side reader on the same files."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from mmengine.config import Config
from mmseg.registry import DATASETS
from mmengine.registry import DefaultScope
from PIL import Image

from mmdsgan.datasets.real import (CarPartsDataset, CelebAMaskHQDataset, ClassMerge,
                                   CocoSegDataset, DeepFashionMMDataset, read_real_label)
from mmdsgan.datasets.real_labeled import RealDataError, read_real_labeled
from mmdsgan.datasets.square_fit import SquareFit
from mmdsgan.tasks import LabelFileError
from mmdsgan.utils.errors import InputError, MissingFileError
from real_fixtures import (CAR_PARTS_10, CAR_PARTS_19_TO_10, CAR_PARTS_CLASSES,
                           CAR_PARTS_IMAGES, CELEBAMASK_8, CELEBAMASK_19_TO_8, write_cityscapes,
                           write_deepfashion_mm)

CFG = 'configs/_base_/datasets/{}.py'


@pytest.fixture(autouse=True)
def mmseg_scope():
    """Pipelines name MMSeg transforms: build them in MMSeg's scope, as a config run does."""
    with DefaultScope.overwrite_default_scope('mmseg'):
        yield


def _dataset_cfg(repo_root, name, loader, data_root, **overrides):
    cfg = Config.fromfile(str(repo_root / CFG.format(name)))
    dataset = cfg[loader].dataset.to_dict()
    dataset.update(data_root=str(data_root), **overrides)
    return dataset


def _labels(dataset):
    out = {}
    for info in map(dataset.get_data_info, range(len(dataset))):
        with Image.open(info['img_path']) as image:
            shape = (image.height, image.width)
        stem = info['img_path'].rsplit('/', 1)[1].rsplit('.', 1)[0]
        out[stem] = read_real_label(info, shape)
    return out


# ---------------------------------------------------------------------------------- Car-Parts
@pytest.mark.parametrize('split,folder', [('train', 'trainingset'), ('test', 'testset')])
def test_car_parts_natural_call_reads_every_image_at_its_size(car_parts_root, split, folder):
    dataset = CarPartsDataset(data_root=str(car_parts_root['root']), split=split, pipeline=[])
    assert dataset.metainfo['classes'] == CAR_PARTS_CLASSES  # `_background_` is no class
    assert len(CAR_PARTS_CLASSES) == 19
    labels = _labels(dataset)
    expected = car_parts_root['labels'][folder]
    assert sorted(labels) == sorted(expected)
    for stem, label in labels.items():
        assert label.shape == expected[stem].shape  # mixed sizes kept (test: 64x54, 40x21, ..)
        assert np.array_equal(label, expected[stem]), stem


def test_car_parts_json_path_reads_the_same(car_parts_root):
    root = car_parts_root['root']
    by_json = CocoSegDataset(ann_file=str(root / 'testset' / 'annotations.json'), pipeline=[])
    by_split = CarPartsDataset(data_root=str(root), split='test', pipeline=[])
    assert by_json.metainfo['classes'] == by_split.metainfo['classes']
    a, b = _labels(by_json), _labels(by_split)
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_car_parts_10_config_merges_to_handsoff_classes(car_parts_root, repo_root):
    cfg = _dataset_cfg(repo_root, 'car_parts_10', 'test_dataloader', car_parts_root['root'])
    dataset = DATASETS.build(cfg)
    assert dataset.metainfo['classes'] == CAR_PARTS_10
    lut = np.array(CAR_PARTS_19_TO_10, np.uint8)
    expected = car_parts_root['labels']['testset']
    for stem, label in _labels(dataset).items():
        assert np.array_equal(label, lut[expected[stem]]), stem
    # through the config's test pipeline: image resized to fit 512, label at the original size
    sample = dataset[1]
    name, width, height = CAR_PARTS_IMAGES['testset'][1]
    assert sample['data_samples'].gt_sem_seg.data.shape == (1, height, width)
    assert max(sample['inputs'].shape[1:]) == 512


def test_class_merge_errors_name_the_class(car_parts_root):
    root = str(car_parts_root['root'])
    with pytest.raises(InputError, match=r"'bonnet' is not a class of this dataset"):
        CarPartsDataset(data_root=root, split='test',
                        class_merge=dict(background=['background', 'bonnet']))
    with pytest.raises(InputError, match=r"leaves out the source classes \['back_bumper'"):
        CarPartsDataset(data_root=root, split='test', class_merge=dict(background=['background']))
    with pytest.raises(InputError, match="'hood' is taken by both 'a' and 'b'"):
        ClassMerge(CAR_PARTS_CLASSES, dict(a=['hood'], b=['hood']))
    with pytest.raises(InputError, match="split 'val' unknown"):
        CarPartsDataset(data_root=root, split='val')
    merge = ClassMerge(['bg', 'a'])
    with pytest.raises(LabelFileError, match=r'x\.png: label values \[7\]'):
        merge.apply(np.array([[0, 7]]), 'x.png')


def test_coco_dataset_lists_every_missing_image(car_parts_root, tmp_path):
    shutil.copytree(car_parts_root['root'] / 'testset', tmp_path / 'testset')
    for name in ('car10.jpg', 'te16.jpg'):
        (tmp_path / 'testset' / 'JPEGImages' / name).unlink()
    with pytest.raises(RealDataError, match=r"(?s)2 problem\(s\).*'car10\.jpg' not found.*"
                                            r"'te16\.jpg' not found"):
        CarPartsDataset(data_root=str(tmp_path), split='test')
    with pytest.raises(MissingFileError, match='trainingset/annotations.json not found'):
        CarPartsDataset(data_root=str(tmp_path), split='train')


# ------------------------------------------------------------------------------ CelebAMask-HQ
def test_car_parts_sample_ids_pick_the_labeled_images(car_parts_root, tmp_path):
    """sample_ids (a list, or the pipeline's labeled_ids.txt): only those images, in that
    order; the few-shot arm of a COCO dataset, whose ann_file is its json. An unknown id is
    refused, naming it."""
    from mmdsgan.utils.errors import InputError
    root = str(car_parts_root['root'])
    stems = sorted(car_parts_root['labels']['trainingset'])
    ids = tmp_path / 'labeled_ids.txt'
    ids.write_text(f'{stems[1]}\n{stems[0]}\n')
    for chosen in (str(ids), [stems[1], stems[0]]):
        dataset = CarPartsDataset(data_root=root, split='train', pipeline=[],
                                  sample_ids=chosen)
        assert [dataset.get_data_info(i)['img_path'].rsplit('/', 1)[1].rsplit('.', 1)[0]
                for i in range(len(dataset))] == [stems[1], stems[0]]
    with pytest.raises(InputError, match="1 sample id.*'nope'"):
        CarPartsDataset(data_root=root, split='train', pipeline=[], sample_ids=['nope'])


def test_celebamask_official_splits(celebamask_root):
    root = str(celebamask_root['root'])
    ids = {}
    for split in ('train', 'val', 'test', 'all'):
        dataset = CelebAMaskHQDataset(data_root=root, split=split)
        ids[split] = [int(dataset.get_data_info(i)['img_path'].rsplit('/', 1)[1][:-4])
                      for i in range(len(dataset))]
    assert ids == dict(train=[0, 1, 2], val=[3], test=[2000, 2001],
                       all=[0, 1, 2, 3, 2000, 2001])
    chosen = celebamask_root['root'] / 'labeled_2.txt'  # e.g. the k labeled images of a run
    chosen.write_text('2001\n1\n')
    dataset = CelebAMaskHQDataset(data_root=root, ann_file='labeled_2.txt')
    assert [dataset.get_data_info(i)['img_path'].rsplit('/', 1)[1] for i in range(2)] == [
        '2001.jpg', '1.jpg']
    chosen.unlink()


def test_celebamask_8_config_paints_parts_and_merges(celebamask_root, repo_root):
    cfg = _dataset_cfg(repo_root, 'celebamask_hq_8', 'test_dataloader', celebamask_root['root'],
                       split='all')
    dataset = DATASETS.build(cfg)
    assert dataset.metainfo['classes'] == CELEBAMASK_8
    lut = np.array(CELEBAMASK_19_TO_8, np.uint8)
    labels = _labels(dataset)
    for index, label19 in celebamask_root['labels'].items():
        label = labels[str(index)]
        assert label.shape == (64, 64)  # masks 32 -> image size 64, nearest x2
        assert np.array_equal(label, np.kron(lut[label19], np.ones((2, 2), np.uint8)))
    assert {int(v) for label in labels.values() for v in np.unique(label)} <= set(range(8))


def test_celebamask_10_config_keeps_hat_and_glasses(celebamask_root, repo_root):
    cfg = _dataset_cfg(repo_root, 'celebamask_hq_10', 'test_dataloader', celebamask_root['root'])
    dataset = DATASETS.build(cfg)
    assert dataset.metainfo['classes'] == CELEBAMASK_8 + ['hat', 'glasses']
    labels = _labels(dataset)
    for index in (2000, 2001):
        label19 = celebamask_root['labels'][index]
        assert np.array_equal(labels[str(index)][::2, ::2] == 9, label19 == 3)  # eye_g
        assert np.array_equal(labels[str(index)][::2, ::2] == 8, label19 == 14)  # hat


def test_celebamask_missing_split_file_says_where_to_get_it(celebamask_root, tmp_path):
    shutil.copytree(celebamask_root['root'], tmp_path / 'c')
    (tmp_path / 'c' / 'list_eval_partition.txt').unlink()
    with pytest.raises(MissingFileError, match="list_eval_partition.txt not found.*CelebA's"):
        CelebAMaskHQDataset(data_root=str(tmp_path / 'c'), split='test')
    assert len(CelebAMaskHQDataset(data_root=str(tmp_path / 'c'), split='all')) == 6
    (tmp_path / 'c' / 'CelebAMask-HQ-mask-anno' / '0' / '00001_nose.png').rename(
        tmp_path / 'c' / 'CelebAMask-HQ-mask-anno' / '0' / '00001_snout.png')
    with pytest.raises(InputError, match='00001_snout.png: not <iiiii>_<part>.png'):
        CelebAMaskHQDataset(data_root=str(tmp_path / 'c'), split='all')


# --------------------------------------------------------------- Cityscapes, DeepFashion-MM
#: HandsOff's trans_mask_cityscapes_35_8, written out by hand: label id -> class
CITYSCAPES_34_TO_8 = [0] * 7 + [1] + [0] * 3 + [2] * 6 + [3] * 4 + [4] * 2 + [5] + [6] * 2 + [7] * 8


def test_cityscapes_8_config_merges_label_ids(repo_root, tmp_path):
    write_cityscapes(tmp_path)
    cfg = _dataset_cfg(repo_root, 'cityscapes_8', 'val_dataloader', tmp_path)
    dataset = DATASETS.build(cfg)
    assert dataset.metainfo['classes'] == ['void', 'road', 'construction', 'object', 'nature',
                                           'sky', 'human', 'vehicle']
    ids = np.arange(16 * 32).reshape(16, 32) % 34
    labels = _labels(dataset)
    assert sorted(labels) == ['frankfurt_000000_000294_leftImg8bit',
                              'lindau_000001_000019_leftImg8bit']
    for label in labels.values():
        assert np.array_equal(label, np.array(CITYSCAPES_34_TO_8, np.uint8)[ids])
    (tmp_path / 'gtFine' / 'val' / 'lindau' / 'lindau_000001_000019_gtFine_labelIds.png').unlink()
    with pytest.raises(MissingFileError, match='1 label file.*lindau_000001_000019_gtFine'):
        DATASETS.build(cfg)


def test_deepfashion_splits_are_list_files(tmp_path):
    write_deepfashion_mm(tmp_path)
    assert len(DeepFashionMMDataset(data_root=str(tmp_path), split='all')) == 2
    test = DeepFashionMMDataset(data_root=str(tmp_path), split='test')
    assert len(test) == 1 and test.metainfo['classes'][23] == 'tie'
    segm = (np.arange(22 * 15).reshape(22, 15) % 24).astype(np.uint8)
    assert np.array_equal(list(_labels(test).values())[0], segm)
    with pytest.raises(MissingFileError, match=r'val\.txt'):
        DeepFashionMMDataset(data_root=str(tmp_path), split='val')


def test_inversion_reads_deepfashion_keypoints(tmp_path):
    expected = write_deepfashion_mm(tmp_path)
    real = read_real_labeled(str(tmp_path), 'deepfashion-mm', 'all', 'keypoints')
    assert real.task == 'keypoints' and len(real.classes) == 21 and real.classes[0] == 'kp01'
    fit = SquareFit.for_shape(22, 15, 12)
    for i, stem in enumerate(real.ids):
        np.testing.assert_allclose(real.load(i, 12).label, fit.keypoints(expected[stem]))
    assert (expected[real.ids[1]][:, 2] == 0).sum() == 7  # absent points stay absent
    (tmp_path / 'keypoints' / 'keypoints_vis.txt').write_text('x.jpg 0 0\n')
    with pytest.raises(InputError, match=r'keypoints_vis\.txt: line 1 is not'):
        read_real_labeled(str(tmp_path), 'deepfashion-mm', 'all', 'keypoints')


# ------------------------------------------------------------- inversion side (RealLabeledSet)
def test_inversion_reads_car_parts_as_shipped(car_parts_root, repo_root):
    root = car_parts_root['root']
    merge = Config.fromfile(str(repo_root / CFG.format('car_parts_10'))).class_merge
    lut = np.array(CAR_PARTS_19_TO_10, np.uint8)
    expected = car_parts_root['labels']['trainingset']
    calls = [(str(root), 'car-parts'), (str(root / 'trainingset'), 'coco'),
             (str(root / 'trainingset' / 'annotations.json'), 'coco')]
    for data, fmt in calls:
        real = read_real_labeled(data, fmt, 'train', 'seg', dict(class_merge=merge))
        assert real.classes == CAR_PARTS_10, (data, fmt)
        assert real.ids == ['train1', 'train10', 'train2']
        for i, stem in enumerate(real.ids):
            sample = real.load(i, 32)
            assert np.array_equal(sample.label,
                                  SquareFit.for_shape(64, 64, 32).nearest(lut[expected[stem]]))
    plain = read_real_labeled(str(root / 'testset'), 'coco', 'test', 'seg')
    assert plain.classes == CAR_PARTS_CLASSES  # `_background_` -> class 0 without any option
    sample = plain.load(plain.ids.index('te11'), 16)  # 80x53 -> 24x16, centre crop
    fit = SquareFit.for_shape(53, 80, 16)
    assert np.array_equal(sample.label, fit.nearest(car_parts_root['labels']['testset']['te11']))


def test_inversion_reads_celebamask_as_shipped(celebamask_root, repo_root):
    merge = Config.fromfile(str(repo_root / CFG.format('celebamask_hq_8'))).class_merge
    real = read_real_labeled(str(celebamask_root['root']), 'celebamask-hq', 'train', 'seg',
                             dict(class_merge=merge))
    assert real.classes == CELEBAMASK_8 and real.ids == ['0', '1', '2']
    lut = np.array(CELEBAMASK_19_TO_8, np.uint8)
    sample = real.load(1, 32)  # image 64 -> 32: the mask's own grid again
    assert np.array_equal(sample.label, lut[celebamask_root['labels'][1]])
    with pytest.raises(RealDataError, match='reads segmentation labels only'):
        read_real_labeled(str(celebamask_root['root']), 'celebamask-hq', 'train', 'depth')


def test_coco_json_with_unknown_merge_name_is_refused(car_parts_root):
    with pytest.raises(InputError, match=r"real_data\.class_merge\.door: 'doors' is not a class"):
        read_real_labeled(str(car_parts_root['root'] / 'trainingset'), 'coco', 'train', 'seg',
                          dict(class_merge=dict(background=['background'], door=['doors'])))


def test_coco_iscrowd_bool_and_extra_keys_are_read(tmp_path):
    (tmp_path / 'JPEGImages').mkdir()
    Image.fromarray(np.zeros((10, 12, 3), np.uint8)).save(tmp_path / 'JPEGImages' / 'a.jpg')
    coco = dict(images=[dict(id=1, file_name='a.jpg', path='JPEGImages/a.jpg', width=12,
                             height=10, metadata={})],
                annotations=[dict(id=1, image_id=1, category_id=2, iscrowd=False, isbbox=False,
                                  segmentation=[[2, 2, 8, 2, 8, 6, 2, 6]], color='#000000')],
                categories=[dict(id=1, name='_background_'), dict(id=2, name='part')])
    (tmp_path / 'annotations.json').write_text(json.dumps(coco))
    dataset = CocoSegDataset(ann_file='annotations.json', data_root=str(tmp_path))
    label = _labels(dataset)['a']
    assert dataset.metainfo['classes'] == ['background', 'part']
    assert label.shape == (10, 12) and set(np.unique(label)) == {0, 1}
    assert label[4, 5] == 1 and label[0, 0] == 0
