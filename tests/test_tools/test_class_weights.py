"""tools/class_weights.py: ENet's 1 / ln(1.02 + f) from the training labels' pixel counts, read by
the config's own dataset (MMSeg folders and a dataset as shipped, with its class merge), and the
child config it writes."""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from mmengine.config import Config
from PIL import Image

REPO = Path(__file__).resolve().parents[2]
TOY_REAL16 = 'configs/downstream/unet-c16-s5-d16_fcn_1xb16-1k_real16-toy-faces-64x64.py'
CAR_TL = 'configs/downstream/deeplabv3_r50-d8_1xb8-2k_real16-transfer-frozen_carparts10-512x512.py'
# Car-Parts' 19 classes -> HandsOff's 10 (configs/_base_/datasets/class_merges/car_parts_10.py)
CAR_19_TO_10 = [0, 1, 2, 3, 4, 3, 4, 1, 5, 3, 4, 3, 4, 6, 7, 7, 8, 8, 9]


def test_enet_rule_numbers(tool):
    weights = tool('class_weights').enet_class_weights([50, 30, 20, 0])
    expected = [1 / math.log(1.02 + f) for f in (0.5, 0.3, 0.2, 0.0)]
    assert weights == [round(w, 4) for w in expected]
    assert weights[-1] == 50.4983  # an absent class: the bound 1 / ln(1.02), not infinity
    assert weights == sorted(weights)  # rarer -> heavier


def test_empty_labels_are_refused(tool):
    from mmdsgan.utils.errors import InputError
    with pytest.raises(InputError, match='no labeled pixel'):
        tool('class_weights').enet_class_weights([0, 0])


def test_toy_folder_counts_and_child_config(tool, toy_faces_root, tmp_path):
    out = tmp_path / 'weighted.py'
    result = tool('class_weights').main([
        str(REPO / TOY_REAL16), '--out', str(out),
        '--cfg-options', f'train_dataloader.dataset.data_root={toy_faces_root}'])
    counts = np.zeros(7, np.int64)
    for png in sorted((toy_faces_root / 'ann_dir' / 'train').glob('*.png')):
        counts += np.bincount(np.asarray(Image.open(png)).ravel(), minlength=7)[:7]
    assert result['counts'] == counts.tolist()
    assert result['weights'] == tool('class_weights').enet_class_weights(counts)
    cfg = Config.fromfile(str(out))
    assert cfg.model.decode_head.loss_decode.class_weight == result['weights']
    assert cfg.model.auxiliary_head.loss_decode.class_weight == result['weights']
    assert cfg.model.decode_head.num_classes == 7  # everything else from the base
    assert 'python tools/class_weights.py' in out.read_text()


def test_car_parts_as_shipped_counts_after_the_merge(tool, car_parts_root):
    result = tool('class_weights').main([
        str(REPO / CAR_TL),
        '--cfg-options', f'train_dataloader.dataset.data_root={car_parts_root["root"]}'])
    assert len(result['classes']) == 10 and result['classes'][0] == 'background'
    lut = np.array(CAR_19_TO_10)
    counts = np.zeros(10, np.int64)
    for label in car_parts_root['labels']['trainingset'].values():
        counts += np.bincount(lut[label].ravel(), minlength=10)
    assert result['counts'] == counts.tolist()
