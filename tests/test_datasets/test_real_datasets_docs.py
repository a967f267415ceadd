"""Every config block of docs/real_datasets.md loads as written and its datasets build and read
on small copies of each layout; its tools/invert.py commands parse."""
from __future__ import annotations

import json
import re
import shlex
import shutil

import numpy as np
import pytest
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmseg.registry import DATASETS
from PIL import Image

from mmdsgan.datasets.real_labeled import read_real_labeled
from real_fixtures import CAR_PARTS_10, write_cityscapes, write_deepfashion_mm

DOC = 'docs/real_datasets.md'


@pytest.fixture(autouse=True)
def mmseg_scope():
    """Pipelines name MMSeg transforms: build them in MMSeg's scope, as a config run does."""
    with DefaultScope.overwrite_default_scope('mmseg'):
        yield


def _blocks(repo_root, lang: str) -> list[str]:
    return re.findall(rf'```{lang}\n(.*?)```', (repo_root / DOC).read_text(), re.S)


def _write_plain_coco(root, car_parts_root):
    (root / 'annotations').mkdir(parents=True)
    shutil.copytree(car_parts_root / 'testset' / 'JPEGImages', root / 'val')
    coco = json.loads((car_parts_root / 'testset' / 'annotations.json').read_text())
    for image in coco['images']:
        del image['path']  # a plain COCO json: file_name under data_prefix.img_path only
    (root / 'annotations' / 'instances_val.json').write_text(json.dumps(coco))


@pytest.fixture(scope='module')
def layouts(tmp_path_factory, car_parts_root, celebamask_root):
    tmp = tmp_path_factory.mktemp('doc_layouts')
    write_cityscapes(tmp / 'cityscapes')
    write_deepfashion_mm(tmp / 'deepfashion')
    _write_plain_coco(tmp / 'coco', car_parts_root['root'])
    return {'Car-Parts-Segmentation': car_parts_root['root'],
            'CelebAMask-HQ': celebamask_root['root'], 'cityscapes': tmp / 'cityscapes',
            'DeepFashion-MultiModal': tmp / 'deepfashion', 'my_coco': tmp / 'coco'}


def _load(block: str, repo_root, tmp_path, layouts) -> Config:
    text = block.replace("'../", f"'{repo_root / 'configs'}/")
    match = re.search(r"data_root = 'data/([^']+)'", text)
    if match:
        text = text.replace(match.group(0), f"data_root = '{layouts[match.group(1)]}'")
    path = tmp_path / f'leaf_{abs(hash(block))}.py'
    path.write_text(text)
    return Config.fromfile(str(path))


def test_doc_has_the_blocks(repo_root):
    assert len(_blocks(repo_root, 'python')) == 6 and len(_blocks(repo_root, 'bash')) == 1


def test_every_dataset_block_builds_and_reads(repo_root, tmp_path, layouts):
    built = []
    for block in _blocks(repo_root, 'python')[:5]:
        cfg = _load(block, repo_root, tmp_path, layouts)
        for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
            if not cfg.get(loader):
                continue
            dataset = DATASETS.build(cfg[loader].dataset)
            sample = dataset[len(dataset) - 1]
            with Image.open(sample['data_samples'].img_path) as image:
                size = (image.height, image.width)
            gt = sample['data_samples'].gt_sem_seg.data
            if loader == 'train_dataloader':  # resized with the image
                assert gt.shape[1:] == sample['inputs'].shape[1:]
            else:  # scored at the image's own size
                assert tuple(gt.shape[1:]) == size
            assert int(gt.max()) < len(dataset.metainfo['classes'])
            built.append((type(dataset).__name__, loader, len(dataset.metainfo['classes'])))
    assert ('CarPartsDataset', 'test_dataloader', 10) in built
    assert ('CelebAMaskHQDataset', 'test_dataloader', 8) in built
    assert ('CityscapesLabelIdsDataset', 'val_dataloader', 8) in built
    assert ('DeepFashionMMDataset', 'test_dataloader', 3) in built
    assert ('CocoSegDataset', 'test_dataloader', 19) in built


def test_inversion_block_and_commands(repo_root, tmp_path, layouts, tool):
    cfg = _load(_blocks(repo_root, 'python')[5], repo_root, tmp_path, layouts)
    real = read_real_labeled(str(layouts['Car-Parts-Segmentation']), 'car-parts', 'train',
                             'seg', cfg.real_data)
    assert real.classes == CAR_PARTS_10
    commands = _blocks(repo_root, 'bash')[0].replace('\\\n', ' ')
    for line in commands.splitlines():
        if line.startswith('python tools/invert.py'):
            args = tool('invert').parse_args(shlex.split(line)[2:])
            assert args.format in ('car-parts', 'coco', 'celebamask-hq')
