"""Real labeled input that used to give silent wrong results or raw exceptions: image modes,
degenerate COCO segmentations, duplicate image ids, non-object JSON, garbage RLE. Each is
refused with a RealDataError / CocoFormatError naming the file (and image / annotation), and
:func:`read_real_labeled` lists every problem of the split at once, before any long work."""
from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from mmdsgan.datasets.coco_masks import (CocoFormatError, annotation_mask, class_index_mask,
                                         decode_rle_string, rle_to_mask)
from mmdsgan.datasets.real_labeled import RealDataError, read_real_labeled
from mmdsgan.utils.errors import MmdsganError

FULL = [0, 0, 20, 0, 20, 10, 0, 10]  # the whole 20 x 10 image


def _mmseg(root, images: dict):
    """root/img_dir/train/<name> for each ``name: PIL image`` (saved as given, the format by
    ``fmt`` when the value is ``(image, fmt)``) and a 0-label of the same size for each."""
    (root / 'img_dir' / 'train').mkdir(parents=True)
    (root / 'ann_dir' / 'train').mkdir(parents=True)
    for name, image in images.items():
        image, fmt = image if isinstance(image, tuple) else (image, None)
        image.save(root / 'img_dir' / 'train' / name, format=fmt)
        stem = name.rsplit('.', 1)[0]
        Image.fromarray(np.zeros(image.size[::-1], np.uint8)).save(
            root / 'ann_dir' / 'train' / f'{stem}.png')
    return str(root)


def _coco(root, annotations, images=None, categories=None, raw=None):
    """root/train/a.png (20 x 10 grey) and root/annotations/train.json; ``raw``: the json
    object written instead."""
    (root / 'train').mkdir(parents=True, exist_ok=True)
    (root / 'annotations').mkdir(exist_ok=True)
    images = images or [dict(id=7, file_name='a.png', width=20, height=10)]
    for img in images:
        if 'file_name' in img:
            Image.fromarray(np.full((10, 20, 3), 128, np.uint8)).save(root / 'train' /
                                                                       img['file_name'])
    coco = dict(images=images, annotations=annotations,
                categories=categories or [dict(id=3, name='face'), dict(id=5, name='eye')])
    (root / 'annotations' / 'train.json').write_text(json.dumps(coco if raw is None else raw))
    return str(root)


def _ann(ann_id, **kw):
    return {'id': ann_id, 'image_id': 7, 'category_id': 3, **kw}


# ------------------------------------------------------------------------------ image modes
def _grey16() -> Image.Image:
    return Image.fromarray((np.arange(200).reshape(10, 20) * 300).astype(np.uint16))


def test_16bit_and_float_grey_images_refused_up_front_all_at_once(tmp_path):
    rgb = Image.fromarray(np.full((10, 20, 3), 50, np.uint8))
    root = _mmseg(tmp_path, {
        'good.png': rgb,
        'grey16.png': _grey16(),  # PNG: PIL mode I;16
        'int32.png': (Image.fromarray(np.zeros((10, 20), np.int32)), 'TIFF'),  # mode I
        'float.png': (Image.fromarray(np.zeros((10, 20), np.float32)), 'TIFF'),  # mode F
    })
    with pytest.raises(RealDataError) as info:
        read_real_labeled(root, 'mmseg', 'train', 'seg', dict(classes=['bg', 'a']))
    message = str(info.value)
    assert message.startswith(f'3 problem(s) in {root}')
    lines = message.splitlines()[1:]
    assert len(lines) == 3 and not any('good.png' in line for line in lines)
    grey16 = next(line for line in lines if 'grey16.png' in line)
    assert 'I;16' in grey16 and '8-bit RGB' in grey16
    assert any('int32.png' in line and "mode 'I'" in line for line in lines)
    assert any('float.png' in line and "mode 'F'" in line for line in lines)
    assert isinstance(info.value, MmdsganError) and isinstance(info.value, ValueError)


def test_16bit_image_refused_at_load_too(tmp_path):
    root = _mmseg(tmp_path, {'x.png': Image.fromarray(np.zeros((10, 20, 3), np.uint8))})
    real = read_real_labeled(root, 'mmseg', 'train', 'seg', dict(classes=['bg', 'a']))
    _grey16().save(tmp_path / 'img_dir' / 'train' / 'x.png')  # replaced after listing
    with pytest.raises(RealDataError, match=r"x\.png.*I;16.*8-bit RGB"):
        real.load(0, 8)


def test_unreadable_image_listed_before_any_load(tmp_path):
    root = _mmseg(tmp_path, {'x.png': Image.fromarray(np.zeros((10, 20, 3), np.uint8))})
    (tmp_path / 'img_dir' / 'train' / 'y.png').write_bytes(b'not an image')
    Image.fromarray(np.zeros((10, 20), np.uint8)).save(tmp_path / 'ann_dir' / 'train' / 'y.png')
    with pytest.raises(RealDataError, match=r'y\.png cannot be read as an image'):
        read_real_labeled(root, 'mmseg', 'train', 'seg', dict(classes=['bg', 'a']))


def test_convertible_modes_still_become_rgb(tmp_path):
    value = np.full((10, 20), 200, np.uint8)
    rgba = np.dstack([value, value, value, np.full_like(value, 255)])
    root = _mmseg(tmp_path, {
        'grey.png': Image.fromarray(value),  # L
        'pal.png': Image.fromarray(np.dstack([value] * 3)).convert('P'),
        'rgba.png': Image.fromarray(rgba),
        'la.png': Image.fromarray(np.dstack([value, value]), 'LA'),
        'cmyk.jpg': Image.fromarray(np.dstack([value] * 3)).convert('CMYK'),
    })
    real = read_real_labeled(root, 'mmseg', 'train', 'seg', dict(classes=['bg', 'a']))
    for i in range(len(real)):
        image = real.load(i, 8).image
        assert image.shape == (8, 8, 3) and image.dtype == np.uint8
        assert abs(int(image.mean()) - 200) <= 3, real.ids[i]


# --------------------------------------------------------------------- degenerate polygons
def test_degenerate_polygons_and_missing_segmentation_refused(tmp_path):
    crowd = dict(size=[10, 20], counts=[20, 10, 170])  # a crowd RLE: fine
    root = _coco(tmp_path, [
        _ann(11, segmentation=[[0, 0, 4, 0]]),  # 2 points
        _ann(12, segmentation=[]),
        _ann(13),  # no segmentation
        _ann(14, segmentation=[FULL, [1, 1, 3, 1, 3]]),  # odd count in the second part
        _ann(15, category_id=5, iscrowd=1, segmentation=crowd),
        _ann(16, segmentation=[FULL]),
    ])
    with pytest.raises(RealDataError) as info:
        read_real_labeled(root, 'coco', 'train', 'seg')
    message = str(info.value)
    assert message.startswith('4 problem(s) in ') and 'train.json' in message.splitlines()[0]
    lines = message.splitlines()[1:]
    assert [next(i for i in (11, 12, 13, 14) if f'annotation {i} ' in line) for line in lines] \
        == [11, 12, 13, 14]
    assert all("a.png" in line and 'train.json' in line for line in lines)
    assert 'at least 3 points' in lines[0] and 'empty' in lines[1]
    assert 'no "segmentation"' in lines[2] and 'odd' in lines[3]


def test_degenerate_polygon_refused_by_class_index_mask(tmp_path):
    with pytest.raises(CocoFormatError, match=r'x\.json: annotation 11.*at least 3 points'):
        class_index_mask([_ann(11, segmentation=[[0, 0, 4, 0]])], 10, 20, {3: 1}, 'x.json')
    with pytest.raises(CocoFormatError, match=r'x\.json: annotation 13.*no "segmentation"'):
        class_index_mask([_ann(13)], 10, 20, {3: 1}, 'x.json')
    with pytest.raises(CocoFormatError, match='empty'):
        annotation_mask([], 10, 20)


def test_unmapped_category_keeps_its_load_error(tmp_path):
    """An annotation of a category left out of real_data.category_map is not checked up front
    (even without a segmentation); loading names the missing category, as before."""
    root = _coco(tmp_path, [_ann(1, segmentation=[FULL]), _ann(2, category_id=5)])
    real = read_real_labeled(root, 'coco', 'train', 'seg',
                             dict(category_map={'face': 1}, classes=['bg', 'face']))
    with pytest.raises(RealDataError, match='category_id 5 missing'):
        real.load(0, 8)


# ---------------------------------------------------------------------- duplicate image ids
def test_duplicate_image_ids_named(tmp_path):
    root = _coco(tmp_path, [_ann(1, segmentation=[FULL])],
                 images=[dict(id=7, file_name='a.png', width=20, height=10),
                         dict(id=7, file_name='b.png', width=20, height=10)])
    with pytest.raises(RealDataError,
                       match=r'image id 7 appears twice in images \(file names a\.png, b\.png\)'):
        read_real_labeled(root, 'coco', 'train', 'seg')


# ------------------------------------------------------------------ JSON that is not COCO
def test_top_level_list_refused(tmp_path):
    root = _coco(tmp_path, [], raw=[dict(id=1)])
    with pytest.raises(RealDataError, match=r'train\.json.*JSON list.*object'):
        read_real_labeled(root, 'coco', 'train', 'seg')


def test_meta_file_list_refused(tmp_path):
    root = _coco(tmp_path, [_ann(1, segmentation=[FULL])])
    (tmp_path / 'metainfo.json').write_text('["face", "eye"]')
    with pytest.raises(RealDataError, match=r'metainfo\.json.*JSON list.*object'):
        read_real_labeled(root, 'coco', 'train', 'seg')


def test_image_entry_without_file_name_refused(tmp_path):
    root = _coco(tmp_path, [], images=[dict(id=7, width=20, height=10)])
    with pytest.raises(RealDataError, match=r'train\.json: image 7 .*"file_name"'):
        read_real_labeled(root, 'coco', 'train', 'seg')


# ---------------------------------------------------------------------------- garbage RLE
def test_garbage_rle_string_refused():
    with pytest.raises(CocoFormatError, match='RLE'):
        decode_rle_string('garbage!!')
    with pytest.raises(CocoFormatError, match='RLE'):
        rle_to_mask(dict(counts='garbage!!', size=[4, 4]))
    with pytest.raises(CocoFormatError, match=r'x\.json: annotation 5'):
        class_index_mask([_ann(5, segmentation=dict(counts='garbage!!', size=[4, 4]))], 4, 4,
                         {3: 1}, 'x.json')


def test_garbage_and_wrong_length_rle_listed_up_front(tmp_path):
    root = _coco(tmp_path, [
        _ann(5, segmentation=dict(counts='garbage!!', size=[10, 20])),
        _ann(6, segmentation=dict(counts=[3, 2], size=[10, 20])),  # sums to 5, not 200
        _ann(8, segmentation=dict(counts='22', size=[10, 20])),  # valid string, wrong length
        _ann(9, segmentation=dict(counts=[20, 180], size=[4, 4])),  # size of another image
    ])
    with pytest.raises(RealDataError) as info:
        read_real_labeled(root, 'coco', 'train', 'seg')
    lines = str(info.value).splitlines()
    assert lines[0].startswith('4 problem(s) in ')
    for line, ann_id in zip(lines[1:], (5, 6, 8, 9)):
        assert f'annotation {ann_id} ' in line and 'a.png' in line and 'train.json' in line
    assert 'expected 10x20 = 200' in lines[2]
    assert '4x4' in lines[4]
