"""Tiny copies of real datasets' layouts as their authors ship them (file names, folder names,
json fields, value encodings), written by the tests, with the labels they must read as.

The expected labels are made here without mmdsgan: Car-Parts polygons rasterised by pycocotools
directly and painted largest first; CelebAMask-HQ part masks painted in the dataset script's
part order. Sizes are scaled down (Car-Parts train 64 instead of 512, test images of mixed
sizes; CelebAMask-HQ images 64 and masks 32 instead of 1024 and 512).
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

# ---------------------------------------------------------------------------------- Car-Parts
CAR_PARTS_CATEGORIES = [
    '_background_', 'back_bumper', 'back_glass', 'back_left_door', 'back_left_light',
    'back_right_door', 'back_right_light', 'front_bumper', 'front_glass', 'front_left_door',
    'front_left_light', 'front_right_door', 'front_right_light', 'hood', 'left_mirror',
    'right_mirror', 'tailgate', 'trunk', 'wheel']  # category ids 1..19, as shipped
#: the 19 classes read: background (+ `_background_`), then the parts by category id
CAR_PARTS_CLASSES = ['background'] + CAR_PARTS_CATEGORIES[1:]
#: HandsOff's car_10_class and its trans_mask_car_19classTo10, written out by hand
CAR_PARTS_10 = ['background', 'bumper', 'back window', 'door', 'light', 'windshield', 'hood',
                'mirror', 'trunk', 'wheel']
CAR_PARTS_19_TO_10 = [0, 1, 2, 3, 4, 3, 4, 1, 5, 3, 4, 3, 4, 6, 7, 7, 8, 8, 9]
#: (file name, width, height): the train set is square, the test set of mixed sizes
CAR_PARTS_IMAGES = {
    'trainingset': [('train1.jpg', 64, 64), ('train10.jpg', 64, 64), ('train2.jpg', 64, 64)],
    'testset': [('car10.jpg', 64, 54), ('te11.jpg', 80, 53), ('te16.jpg', 40, 21),
                ('te22.jpg', 48, 48)],
}


def _polygon_mask(polygon: list[float], height: int, width: int) -> np.ndarray:
    from pycocotools import mask as coco_mask
    rle = coco_mask.frPyObjects([polygon], height, width)
    return coco_mask.decode(coco_mask.merge(rle)).astype(bool)


def write_car_parts(root: Path, seed: int = 0) -> dict[str, dict[str, np.ndarray]]:
    """Car-Parts-Segmentation's layout at ``root``; returns {set: {file stem: 19-class label}}.

    Each image gets a `_background_` polygon and 4-7 part polygons (one-decimal coordinates,
    some overlapping: the smaller one is on top), json fields as the authors' tool writes them.
    """
    rng = np.random.default_rng(seed)
    expected: dict[str, dict[str, np.ndarray]] = {}
    image_id, ann_id = 1, 1
    for folder, images in CAR_PARTS_IMAGES.items():
        (root / folder / 'JPEGImages').mkdir(parents=True)
        coco = dict(images=[], annotations=[], categories=[
            dict(id=k + 1, name=name, supercategory='', color='#%06x' % (k * 9973 % 0xffffff),
                 metadata={}, keypoint_colors=[]) for k, name in enumerate(CAR_PARTS_CATEGORIES)])
        expected[folder] = {}
        for name, width, height in images:
            pixels = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / folder / 'JPEGImages' / name, quality=90)
            coco['images'].append(dict(
                id=image_id, dataset_id=1, category_ids=[], path=f'JPEGImages/{name}',
                width=width, height=height, file_name=name, annotated=False, annotating=[],
                num_annotations=0, metadata={}, deleted=False, milliseconds=0, events=[],
                regenerate_thumbnail=False))
            shapes = [(1, [0.0, 0.0, 6.5, 0.0, 6.5, 5.0, 0.0, 5.0])]  # `_background_` corner
            for category in rng.choice(np.arange(2, 20), size=rng.integers(4, 8), replace=False):
                x0, y0 = rng.uniform(2, width * 0.6), rng.uniform(2, height * 0.6)
                x1 = min(width - 1.0, x0 + rng.uniform(4, width * 0.5))
                y1 = min(height - 1.0, y0 + rng.uniform(3, height * 0.5))
                xm = (x0 + x1) / 2  # a pentagon, not just a box
                shapes.append((int(category), [round(v, 1) for v in
                                               (x0, y0, xm, y0 - 2, x1, y0, x1, y1, x0, y1)]))
            painted = []
            for category, polygon in shapes:
                mask = _polygon_mask(polygon, height, width)
                xs, ys = polygon[0::2], polygon[1::2]
                coco['annotations'].append(dict(
                    id=ann_id, image_id=image_id, category_id=category,
                    segmentation=[polygon], area=int(mask.sum()),
                    bbox=[min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)],
                    iscrowd=False, isbbox=False, color='#aabbcc', metadata={}))
                painted.append((int(mask.sum()), len(painted), category, mask))
                ann_id += 1
            label = np.zeros((height, width), np.uint8)
            for _, _, category, mask in sorted(painted, key=lambda p: (-p[0], p[1])):
                label[mask] = 0 if category == 1 else category - 1  # category id -> class id
            expected[folder][name[:-4]] = label
            image_id += 1
        (root / folder / 'annotations.json').write_text(json.dumps(coco, indent=4))
    return expected


# ------------------------------------------------------------------------------ CelebAMask-HQ
CELEBAMASK_PARTS = ['skin', 'nose', 'eye_g', 'l_eye', 'r_eye', 'l_brow', 'r_brow', 'l_ear',
                    'r_ear', 'mouth', 'u_lip', 'l_lip', 'hair', 'hat', 'ear_r', 'neck_l', 'neck',
                    'cloth']  # g_mask.py's order: part k is class k + 1
#: HandsOff's face_8_class and trans_mask_stylegan_19classTo8, written out by hand
CELEBAMASK_8 = ['background', 'skin', 'nose', 'eye', 'brow', 'ear', 'mouth', 'hair']
CELEBAMASK_19_TO_8 = [0, 1, 2, 3, 3, 3, 4, 4, 5, 5, 6, 6, 6, 7, 0, 0, 0, 0, 0]
#: HQ index -> (CelebA file, CelebA partition): 3 train, 1 val, 2 test (folder 1 of the masks)
CELEBAMASK_IMAGES = {0: ('000011.jpg', 0), 1: ('000012.jpg', 0), 2: ('000013.jpg', 0),
                     3: ('170001.jpg', 1), 2000: ('190000.jpg', 2), 2001: ('190001.jpg', 2)}


def write_celebamask_hq(root: Path, seed: int = 0) -> dict[int, np.ndarray]:
    """CelebAMask-HQ's layout at ``root`` (+ CelebA's list_eval_partition.txt); returns
    {HQ index: 19-class label at the mask size (32)}."""
    rng = np.random.default_rng(seed)
    (root / 'CelebA-HQ-img').mkdir(parents=True)
    boxes = dict(skin=(6, 26, 6, 26), hair=(0, 10, 2, 30), nose=(14, 19, 14, 18),
                 l_eye=(11, 13, 9, 13), r_eye=(11, 13, 19, 23), eye_g=(10, 15, 8, 24),
                 l_brow=(9, 10, 9, 13), r_brow=(9, 10, 19, 23), l_ear=(12, 18, 4, 7),
                 r_ear=(12, 18, 25, 28), mouth=(21, 23, 12, 20), u_lip=(20, 21, 12, 20),
                 l_lip=(23, 24, 12, 20), hat=(0, 4, 4, 28), ear_r=(18, 20, 4, 6),
                 neck=(26, 30, 10, 22), neck_l=(27, 28, 12, 20), cloth=(29, 32, 0, 32))
    expected = {}
    for index in CELEBAMASK_IMAGES:
        pixels = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(root / 'CelebA-HQ-img' / f'{index}.jpg', quality=90)
        folder = root / 'CelebAMask-HQ-mask-anno' / str(index // 2000)
        folder.mkdir(parents=True, exist_ok=True)
        present = [p for p in CELEBAMASK_PARTS if p in ('skin', 'hair', 'nose', 'l_eye', 'mouth')
                   or rng.random() < 0.6]
        label = np.zeros((32, 32), np.uint8)
        for k, part in enumerate(CELEBAMASK_PARTS):
            if part not in present:
                continue
            r0, r1, c0, c1 = boxes[part]
            shift = int(rng.integers(-1, 2))
            mask = np.zeros((32, 32), bool)
            mask[max(r0 + shift, 0):r1 + shift, c0:c1] = True
            label[mask] = k + 1  # later parts over earlier ones
            if k % 2:  # as shipped: some masks read as 3-channel images
                image = Image.fromarray(np.where(mask[..., None], 255, 0).astype(np.uint8)
                                        .repeat(3, axis=2))
            else:
                image = Image.fromarray(np.where(mask, 255, 0).astype(np.uint8))
            image.save(folder / f'{index:05d}_{part}.png')
        expected[index] = label
    lines = ['idx orig_idx orig_file'] + [f'{i} {int(f[:6]) - 1} {f}'
                                          for i, (f, _) in CELEBAMASK_IMAGES.items()]
    (root / 'CelebA-HQ-to-CelebA-mapping.txt').write_text('\n'.join(lines) + '\n')
    partition = [f'{f} {s}' for f, s in sorted(CELEBAMASK_IMAGES.values())]
    partition += ['000001.jpg 0', '182638.jpg 2']  # files of CelebA outside CelebA-HQ
    (root / 'list_eval_partition.txt').write_text('\n'.join(sorted(partition)) + '\n')
    return expected


# --------------------------------------------------------------- Cityscapes, DeepFashion-MM
def write_cityscapes(root: Path) -> None:
    """Cityscapes' layout: 1 train and 2 val images (16x32), label ids = (row * 32 + col) % 34."""
    for split, city, name in (('train', 'aachen', 'aachen_000000_000019'),
                              ('val', 'frankfurt', 'frankfurt_000000_000294'),
                              ('val', 'lindau', 'lindau_000001_000019')):
        (root / 'leftImg8bit' / split / city).mkdir(parents=True, exist_ok=True)
        (root / 'gtFine' / split / city).mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.zeros((16, 32, 3), np.uint8)).save(
            root / 'leftImg8bit' / split / city / f'{name}_leftImg8bit.png')
        ids = np.arange(16 * 32).reshape(16, 32) % 34
        Image.fromarray(ids.astype(np.uint8)).save(
            root / 'gtFine' / split / city / f'{name}_gtFine_labelIds.png')


def write_deepfashion_mm(root: Path) -> dict[str, np.ndarray]:
    """DeepFashion-MultiModal's layout: 2 images (15x22) with segm maps ((row * 15 + col) % 24),
    a list file test.txt naming one, and keypoints_{loc,vis}.txt (21 points; as shipped,
    visibility 0 = visible, 1 = hidden, 2 = absent at (-1, -1)); returns {stem: (21, 3) x, y,
    COCO visibility}."""
    (root / 'images').mkdir(parents=True)
    (root / 'segm').mkdir()
    (root / 'keypoints').mkdir()
    loc, vis, expected = [], [], {}
    for k, name in enumerate(('MEN-Denim-id_00000080-01_7_additional',
                              'WOMEN-Dresses-id_00000021-05_1_front')):
        Image.fromarray(np.zeros((22, 15, 3), np.uint8)).save(root / 'images' / f'{name}.jpg')
        segm = (np.arange(22 * 15).reshape(22, 15) % 24).astype(np.uint8)
        Image.fromarray(segm).save(root / 'segm' / f'{name}_segm.png')
        v = np.arange(21) % 3 if k else np.zeros(21, int)
        xy = np.stack([np.arange(21) % 15, np.arange(21)], 1).astype(np.float32)
        xy[v == 2] = -1
        loc.append(f'{name}.jpg ' + ' '.join(str(int(c)) for c in xy.reshape(-1)))
        vis.append(f'{name}.jpg ' + ' '.join(map(str, v)))
        expected[name] = np.concatenate([xy, (2 - v)[:, None]], 1).astype(np.float32)
    (root / 'keypoints' / 'keypoints_loc.txt').write_text('\n'.join(loc) + '\n')
    (root / 'keypoints' / 'keypoints_vis.txt').write_text('\n'.join(vis) + '\n')
    (root / 'test.txt').write_text('WOMEN-Dresses-id_00000021-05_1_front.jpg\n')
    return expected
