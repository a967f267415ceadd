"""Real labeled input: the resize rule, COCO polygons / RLE, the MMSeg and COCO readers."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from mmdsgan.datasets.coco_masks import (CocoFormatError, annotation_mask, class_index_mask,
                                         decode_rle_string, rle_to_mask)
from mmdsgan.datasets.real_labeled import RealDataError, read_real_labeled
from mmdsgan.datasets.square_fit import SquareFit


def _encode_rle_string(runs: list[int]) -> str:
    """Reference encoder (pycocotools ``rleToString``), to build hand-made compressed RLEs."""
    out = []
    for i, x in enumerate(runs):
        if i > 2:
            x -= runs[i - 2]
        more = True
        while more:
            c = x & 0x1f
            x >>= 5
            more = x != -1 if c & 0x10 else x != 0
            if more:
                c |= 0x20
            out.append(chr(c + 48))
    return ''.join(out)


def _runs_of(mask: np.ndarray) -> list[int]:
    flat = mask.T.reshape(-1).astype(int)  # column-major
    runs, value, count = [], 0, 0
    for v in flat:
        if v == value:
            count += 1
        else:
            runs.append(count)
            value, count = v, 1
    return runs + [count]


# ------------------------------------------------------------------------------ resize rule
def test_square_fit_landscape_geometry_and_nearest_values():
    fit = SquareFit.for_shape(20, 40, 16)  # H=20, W=40 -> 16 x 32, crop columns 8..24
    assert (fit.scaled_h, fit.scaled_w, fit.top, fit.left) == (16, 32, 0, 8)
    label = np.arange(20 * 40, dtype=np.int32).reshape(20, 40)
    out = fit.nearest(label)
    assert out.shape == (16, 16)
    # output (i, j) <- source (floor((i + 0.5) * 20 / 16), floor((j + 8 + 0.5) * 40 / 32))
    assert out[0, 0] == label[0, 10] and out[15, 15] == label[19, 29]
    assert np.isin(out, label).all()
    image = np.zeros((20, 40, 3), np.uint8)
    assert fit.image(image).shape == (16, 16, 3)


def test_square_fit_keypoints_follow_the_pixels():
    fit = SquareFit.for_shape(20, 40, 16)
    label = np.zeros((20, 40), np.uint8)
    label[10, 20] = 1  # one marked pixel; a keypoint at its centre
    kps = fit.keypoints(np.array([[20, 10, 2], [1, 1, 2]], np.float32))
    np.testing.assert_allclose(kps[0, :2], [(20.5) * 0.8 - 0.5 - 8, 10.5 * 0.8 - 0.5])
    assert kps[0, 2] == 2 and kps[1, 2] == 0  # the second point is cropped away
    row, col = np.rint(kps[0, 1]).astype(int), np.rint(kps[0, 0]).astype(int)
    assert fit.nearest(label)[row, col] == 1


def test_square_fit_identity():
    fit = SquareFit.for_shape(16, 16, 16)
    label = np.random.RandomState(0).randint(0, 7, (16, 16)).astype(np.uint8)
    assert np.array_equal(fit.nearest(label), label)
    np.testing.assert_array_equal(fit.keypoints(np.array([[3.25, 4.5, 1]])), [[3.25, 4.5, 1]])


# ----------------------------------------------------------------------------- COCO masks
def test_polygon_rectangle_and_triangle_against_hand_made_masks():
    rect = annotation_mask([[1, 1, 5, 1, 5, 3, 1, 3]], 5, 6)  # rasterised by pycocotools
    expected = np.zeros((5, 6), bool)
    expected[1:3, 1:5] = True
    assert np.array_equal(rect, expected)
    tri = annotation_mask([[0, 0, 4, 0, 0, 4]], 4, 4)  # centres (j + .5, i + .5): i + j < 3
    expected = np.array([[1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]], bool)
    assert np.array_equal(tri, expected)


def test_rle_uncompressed_and_compressed():
    mask = np.zeros((4, 5), bool)
    mask[1:3, 1:4] = True
    mask[0, 4] = True
    runs = _runs_of(mask)
    assert np.array_equal(rle_to_mask(dict(size=[4, 5], counts=runs)), mask)
    string = _encode_rle_string(runs)
    assert decode_rle_string(string) == runs
    assert np.array_equal(rle_to_mask(dict(size=[4, 5], counts=string)), mask)
    with pytest.raises(CocoFormatError, match='expected 4x5'):
        rle_to_mask(dict(size=[4, 5], counts=[3, 2]))


def test_overlaps_smaller_annotation_on_top_and_category_map():
    face = dict(id=1, category_id=10, segmentation=[[0, 0, 8, 0, 8, 8, 0, 8]])
    eye = dict(id=2, category_id=20, segmentation=[[2, 2, 4, 2, 4, 4, 2, 4]])
    label = class_index_mask([eye, face], 8, 8, {10: 1, 20: 3})  # eye listed first: still on top
    assert (label == 3).sum() == 4 and (label == 1).sum() == 60
    with pytest.raises(CocoFormatError, match='category_id 20 missing'):
        class_index_mask([eye], 8, 8, {10: 1}, source='x.json')


# ----------------------------------------------------------------------------------- readers
def _write_coco_folder(root, with_keypoints: bool = False):
    (root / 'train').mkdir(parents=True)
    (root / 'annotations').mkdir()
    Image.fromarray(np.full((10, 20, 3), 128, np.uint8)).save(root / 'train' / 'a.png')
    mask = np.zeros((10, 20), bool)
    mask[2:6, 10:14] = True
    anns = [dict(id=1, image_id=7, category_id=3, segmentation=[[0, 0, 20, 0, 20, 10, 0, 10]]),
            dict(id=2, image_id=7, category_id=5,
                 segmentation=dict(size=[10, 20], counts=_encode_rle_string(_runs_of(mask))))]
    if with_keypoints:
        anns[0]['keypoints'] = [12, 3, 2, 0, 0, 0]
    coco = dict(images=[dict(id=7, file_name='a.png', width=20, height=10)], annotations=anns,
                categories=[dict(id=3, name='face', keypoints=['eye', 'nose']),
                            dict(id=5, name='eye')])
    (root / 'annotations' / 'train.json').write_text(json.dumps(coco))


def test_coco_reader_seg_fits_masks(tmp_path):
    _write_coco_folder(tmp_path)
    real = read_real_labeled(str(tmp_path), 'coco', 'train', 'seg')
    assert real.classes == ['background', 'face', 'eye'] and real.ids == ['a']
    sample = real.load(0, 8)
    full = np.ones((10, 20), np.uint8)
    full[2:6, 10:14] = 2
    assert np.array_equal(sample.label, SquareFit.for_shape(10, 20, 8).nearest(full))
    real = read_real_labeled(str(tmp_path), 'coco', 'train', 'seg',
                             dict(category_map={'eye': 1}, classes=['bg', 'eye']))
    with pytest.raises(RealDataError, match='category_id 3 missing'):
        real.load(0, 8)


def test_coco_reader_keypoints_transformed(tmp_path):
    _write_coco_folder(tmp_path, with_keypoints=True)
    real = read_real_labeled(str(tmp_path), 'coco', 'train', 'keypoints')
    assert real.classes == ['eye', 'nose']
    sample = real.load(0, 8)  # 10 x 20 -> 8 x 16, crop columns 4..12
    np.testing.assert_allclose(sample.label, [[12.5 * 0.8 - 0.5 - 4, 3.5 * 0.8 - 0.5, 2],
                                              [0.5 * 0.8 - 0.5 - 4, 0.5 * 0.8 - 0.5, 0]],
                               rtol=1e-6)


def test_mmseg_reader_errors_name_the_file(tmp_path, real_toy_root):
    real = read_real_labeled(str(real_toy_root), 'mmseg', 'train', 'depth')
    assert real.classes == ['depth'] and real.depth_scale == 1000.0
    assert real.load(0, 16).label.dtype == np.float32  # depth in units (PNG value / scale)
    (tmp_path / 'img_dir' / 'train').mkdir(parents=True)
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / 'img_dir' / 'train' / 'x.png')
    with pytest.raises(RealDataError, match=r'ann_dir/train/x\.png'):
        read_real_labeled(str(tmp_path), 'mmseg', 'train', 'seg', dict(classes=['a']))
    (tmp_path / 'ann_dir' / 'train').mkdir(parents=True)
    Image.fromarray(np.full((4, 4), 3, np.uint8)).save(tmp_path / 'ann_dir' / 'train' / 'x.png')
    with pytest.raises(RealDataError, match=r'class ids \[3\] of x are outside 0\.\.1'):
        read_real_labeled(str(tmp_path), 'mmseg', 'train', 'seg',
                          dict(classes=['a', 'b'])).load(0, 4)
    with pytest.raises(RealDataError, match='no COCO json found'):
        read_real_labeled(str(tmp_path), 'coco', 'train', 'seg')
