"""The built-in toy domain: rendering (determinism, labels, depth, keypoints), the dataset
writer (layout, atomic writes, resume, refusal) and ``tools/make_toy_data.py``."""
from __future__ import annotations

import hashlib
import json
import os

import numpy as np
import pytest
from PIL import Image

from mmdsgan.datasets.toy_faces import (BACKGROUND_DEPTH, DEPTH_SCALE, TOY_FACE_CLASSES,
                                        TOY_FACE_KEYPOINTS, TOY_FACE_PALETTE, render_toy_face,
                                        write_toy_dataset)
from mmdsgan.datasets.toy_faces import canvas as tc
from mmdsgan.datasets.toy_faces import writer as tw
from mmdsgan.tasks.depth import decode_depth, encode_depth

SKIN, HAIR, EYE, BROW, MOUTH, NOSE = 1, 2, 3, 4, 5, 6
# sha256 over image, mask, depth and keypoint bytes of seeds 0..39 at 64x64 (NumPy 2.x).
# Checked identical with NumPy's AVX-512, AVX2 and SSE4 (baseline) code paths
# (NPY_DISABLE_CPU_FEATURES). Change it only on purpose, together with RENDERER_VERSION.
GOLDEN_64 = 'c5fd802c281fc058173491d82ccda4d4deeb09e656dc26f4e94d6ada846629b9'


@pytest.fixture(scope='module')
def faces():
    """Seeds 0..59 at 64x64."""
    return [render_toy_face(seed) for seed in range(60)]


def _digest(samples) -> str:
    h = hashlib.sha256()
    for f in samples:
        for a in (f.image, f.mask, f.depth, f.keypoints):
            h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


# ------------------------------------------------------------------------------- constants


def test_constants():
    assert TOY_FACE_CLASSES == ('background', 'skin', 'hair', 'eye', 'brow', 'mouth', 'nose')
    assert TOY_FACE_KEYPOINTS == ('left_eye', 'right_eye', 'nose_tip', 'mouth_left',
                                  'mouth_right')
    assert len(TOY_FACE_PALETTE) == 7 and all(len(c) == 3 for c in TOY_FACE_PALETTE)
    assert len({tuple(c) for c in TOY_FACE_PALETTE}) == 7
    assert all(0 <= v <= 255 for c in TOY_FACE_PALETTE for v in c)
    assert DEPTH_SCALE == 1000.0 and BACKGROUND_DEPTH == 8.0


# ---------------------------------------------------------------------------------- render


@pytest.mark.parametrize('size', [32, 64, 97, 256])
def test_shapes_and_dtypes(size):
    f = render_toy_face(3, size)
    assert f.image.shape == (size, size, 3) and f.image.dtype == np.uint8
    assert f.mask.shape == (size, size) and f.mask.dtype == np.uint8
    assert f.depth.shape == (size, size) and f.depth.dtype == np.float32
    assert f.keypoints.shape == (5, 3) and f.keypoints.dtype == np.float32
    assert f.mask.max() < len(TOY_FACE_CLASSES)  # every pixel has exactly one valid class
    assert f.seed == 3


def test_same_seed_same_bytes_other_seed_differs():
    a, b, c = render_toy_face(7), render_toy_face(7), render_toy_face(8)
    for name in ('image', 'mask', 'depth', 'keypoints'):
        assert getattr(a, name).tobytes() == getattr(b, name).tobytes(), name
    assert not np.array_equal(a.image, c.image)
    assert not np.array_equal(a.mask, c.mask)


def test_golden_digest(faces):
    assert _digest(faces[:40]) == GOLDEN_64, (
        'seeds 0..39 no longer render byte-identically: if the renderer changed on purpose, '
        'bump RENDERER_VERSION in mmdsgan/datasets/toy_faces/constants.py and update GOLDEN_64')


def test_same_face_at_every_size():
    small, large = render_toy_face(5, 32), render_toy_face(5, 128)
    # Keypoints scale with the image (pixel centres at integers: x' = (x + 0.5) * k - 0.5).
    scaled = (small.keypoints[:, :2] + 0.5) * 4 - 0.5
    np.testing.assert_allclose(large.keypoints[:, :2], scaled, atol=1e-3)
    # Class fractions agree up to the coarser pixel grid.
    frac_s = np.bincount(small.mask.ravel(), minlength=7) / small.mask.size
    frac_l = np.bincount(large.mask.ravel(), minlength=7) / large.mask.size
    assert np.abs(frac_s - frac_l).max() < 0.02


@pytest.mark.parametrize('kwargs, field', [({'seed': -1}, 'seed'), ({'seed': 1.5}, 'seed'),
                                           ({'seed': 0, 'size': 31}, 'size'),
                                           ({'seed': 0, 'size': 257}, 'size')])
def test_bad_arguments(kwargs, field):
    with pytest.raises(ValueError, match=field):
        render_toy_face(**kwargs)


def test_majority_rule_ties_and_depth():
    """The documented resolve rule on a hand-made 4x4-supersampled canvas."""
    cv = tc._Canvas(size=32, factor=4)
    cv.colour[...] = 0.5
    # Output pixel (0, 0): 10 samples hair (depth 2), 6 background (depth 8).
    cv.label[0:4, 0:4] = 0
    cv.label[0:4, 0:2] = HAIR
    cv.label[0:2, 2] = HAIR
    cv.depth[0:4, 0:4] = 8.0
    cv.depth[cv.label == HAIR] = 2.0
    # Output pixel (0, 1): 8 skin vs 8 eye samples: the tie goes to the higher id (eye).
    cv.label[0:4, 4:6] = SKIN
    cv.label[0:4, 6:8] = EYE
    cv.colour[:, 0:4, 6:8] = 1.0
    rgb, mask, depth = tc._resolve(cv)
    assert mask[0, 0] == HAIR and depth[0, 0] == 2.0  # depth only from the winning samples
    assert mask[0, 1] == EYE
    assert rgb[0, 0, 1] == pytest.approx(0.75)  # colour: mean of all 16 samples
    assert mask[5, 5] == 0 and depth[5, 5] == BACKGROUND_DEPTH


# ------------------------------------------------------------------------------- labels


def test_parts_present_with_plausible_sizes(faces):
    for f in faces:
        counts = np.bincount(f.mask.ravel(), minlength=7)
        ys, xs = np.nonzero(f.mask == EYE)
        kp = f.keypoints
        to_left = (xs - kp[0, 0]) ** 2 + (ys - kp[0, 1]) ** 2
        to_right = (xs - kp[1, 0]) ** 2 + (ys - kp[1, 1]) ** 2
        per_eye = ((to_left < to_right).sum(), (to_right <= to_left).sum())
        # Measured over seeds 0..299: skin >= 324, each eye >= 5, mouth >= 6, nose >= 5 px.
        assert 250 <= counts[SKIN] <= 2000, (f.seed, counts)
        assert min(per_eye) >= 3 and counts[EYE] <= 300, (f.seed, per_eye)
        assert 3 <= counts[MOUTH] <= 300, (f.seed, counts)
        assert 3 <= counts[NOSE] <= 300, (f.seed, counts)
        assert counts[0] >= 0.3 * f.mask.size  # the face does not fill the frame


def test_keypoints_on_their_parts(faces):
    for f in faces:
        kp = f.keypoints
        assert (kp[:, 2] == 2).all(), f.seed  # no fringe reaches these seeds' eye centres
        assert ((kp[:, :2] >= 0) & (kp[:, :2] <= 63)).all(), f.seed
        rows, cols = np.nonzero(f.mask)
        assert (kp[:, 0] >= cols.min()).all() and (kp[:, 0] <= cols.max()).all()
        assert (kp[:, 1] >= rows.min()).all() and (kp[:, 1] <= rows.max()).all()

        def distance(k, cls):
            ys, xs = np.nonzero(f.mask == cls)
            return np.sqrt((xs - kp[k, 0]) ** 2 + (ys - kp[k, 1]) ** 2).min()

        # Measured max over seeds 0..299: eyes 0.69 px, nose 0.68 px, mouth corners 2.1 px
        # (a corner is the thin tip of the lips).
        assert distance(0, EYE) <= 1.0 and distance(1, EYE) <= 1.0, f.seed
        assert distance(2, NOSE) <= 1.0, f.seed
        assert distance(3, MOUTH) <= 3.0 and distance(4, MOUTH) <= 3.0, f.seed
        # The person's left is on the image's right (roll is at most 20 degrees).
        assert kp[0, 0] > kp[1, 0] + 3 and kp[3, 0] > kp[4, 0] + 3, f.seed


def test_colour_alone_does_not_decide_the_class(faces):
    """Backgrounds, clutter and clothes reuse skin/hair colours, brows share hair colours,
    the nose is tinted skin, lighting shifts colours: per-pixel colour is not the class."""
    x = np.concatenate([f.image.reshape(-1, 3) for f in faces[:50]]).astype(np.float64)
    y = np.concatenate([f.mask.ravel() for f in faces[:50]])
    # Nearest mean colour (measured 0.30).
    means = np.stack([x[y == c].mean(axis=0) for c in range(7)])
    pred = ((x[:, None, :] - means[None]) ** 2).sum(axis=-1).argmin(axis=1)
    assert (pred == y).mean() < 0.6
    # Even the best colour -> class lookup table (32 levels per channel), fitted on the very
    # pixels it is scored on, stays well below perfect (measured 0.873).
    q = x.astype(np.int64) * 32 // 256
    cell = (q[:, 0] * 32 + q[:, 1]) * 32 + q[:, 2]
    table = np.zeros((32 ** 3, 7), np.int64)
    np.add.at(table, (cell, y), 1)
    assert table.max(axis=1).sum() / y.size < 0.92


# -------------------------------------------------------------------------------- depth


def test_depth_range_and_nose_nearer_than_cheeks(faces):
    for f in faces:
        assert f.depth.min() >= 0.5 and f.depth.max() <= 10.0
        face = f.depth[f.mask > 0]
        assert 1.0 <= face.min() and face.max() <= 3.0, f.seed  # measured 1.34 .. 1.99
        assert f.depth[f.mask == 0].max() == BACKGROUND_DEPTH  # the backdrop is far, constant
        x, y = np.rint(f.keypoints[2, :2]).astype(int)
        # Measured: the tip is at least 0.042 nearer than the median skin pixel.
        assert f.depth[y, x] < np.median(f.depth[f.mask == SKIN]) - 0.02, f.seed


def test_depth_png_round_trip(faces):
    d = faces[0].depth
    stored = encode_depth(d, DEPTH_SCALE)
    assert stored.dtype == np.uint16 and stored.max() == int(BACKGROUND_DEPTH * DEPTH_SCALE)
    np.testing.assert_allclose(decode_depth(stored, DEPTH_SCALE), d,
                               atol=0.5 / DEPTH_SCALE + 1e-6)


# ------------------------------------------------------------------------------- writer


def test_written_layout(tmp_path):
    root = tmp_path / 'toy'
    result = write_toy_dataset(root, num=3, start_seed=5, split='val')
    assert result.written == (5, 6, 7) and result.skipped == ()
    names = ['toy_000005.png', 'toy_000006.png', 'toy_000007.png']
    for sub in ('img_dir/val', 'ann_dir/val', 'depth_dir/val'):
        assert sorted(os.listdir(root / sub)) == names, sub

    face = render_toy_face(6)
    img = Image.open(root / 'img_dir/val/toy_000006.png')
    assert img.mode == 'RGB' and np.array_equal(np.asarray(img), face.image)
    ann = Image.open(root / 'ann_dir/val/toy_000006.png')
    assert ann.mode == 'P'
    assert np.array_equal(np.asarray(ann), face.mask)  # pixel values are the class ids
    assert ann.getpalette()[:21] == [v for c in TOY_FACE_PALETTE for v in c]
    depth = np.asarray(Image.open(root / 'depth_dir/val/toy_000006.png'))
    assert depth.dtype == np.uint16 and np.array_equal(
        depth, encode_depth(face.depth, DEPTH_SCALE))

    coco = json.loads((root / 'keypoints/val.json').read_text())
    assert set(coco) >= {'images', 'annotations', 'categories'}
    assert [i['file_name'] for i in coco['images']] == names
    ann6 = next(a for a in coco['annotations'] if a['image_id'] == 6)
    assert len(ann6['keypoints']) == 15 and ann6['num_keypoints'] == 5
    np.testing.assert_allclose(np.reshape(ann6['keypoints'], (5, 3)), face.keypoints,
                               atol=1e-3)
    assert coco['categories'][0]['keypoints'] == list(TOY_FACE_KEYPOINTS)

    meta = json.loads((root / 'metainfo.json').read_text())
    assert meta['classes'] == list(TOY_FACE_CLASSES) and meta['palette'] == TOY_FACE_PALETTE
    assert meta['keypoints'] == list(TOY_FACE_KEYPOINTS)
    assert meta['depth_scale'] == DEPTH_SCALE and meta['size'] == 64
    assert meta['splits']['val']['seeds'] == [5, 6, 7] and meta['splits']['val']['depth']
    assert not [p for p in root.rglob('*') if p.name.endswith('.tmp')]


def test_optional_outputs(tmp_path):
    write_toy_dataset(tmp_path, num=2, size=32, with_depth=False, with_keypoints=False)
    assert not (tmp_path / 'depth_dir').exists() and not (tmp_path / 'keypoints').exists()
    assert Image.open(tmp_path / 'img_dir/train/toy_000001.png').size == (32, 32)


def test_resume_skips_complete_samples(tmp_path):
    write_toy_dataset(tmp_path, num=3)
    first = tmp_path / 'img_dir/train/toy_000000.png'
    stamp = first.stat().st_mtime_ns, first.stat().st_ino
    (tmp_path / 'ann_dir/train/toy_000001.png').unlink()  # an incomplete sample
    stale = tmp_path / 'img_dir/train/.toy_000004.png.123-abcd.tmp'
    stale.write_bytes(b'partial')  # left by a killed run

    result = write_toy_dataset(tmp_path, num=5)
    assert result.written == (1, 3, 4) and result.skipped == (0, 2)
    assert (first.stat().st_mtime_ns, first.stat().st_ino) == stamp  # left as it was
    assert not stale.exists()
    coco = json.loads((tmp_path / 'keypoints/train.json').read_text())
    assert [i['id'] for i in coco['images']] == [0, 1, 2, 3, 4]
    assert write_toy_dataset(tmp_path, num=5).written == ()

    # Another split into the same dataset is fine; metainfo lists both.
    write_toy_dataset(tmp_path, num=2, start_seed=100, split='test')
    meta = json.loads((tmp_path / 'metainfo.json').read_text())
    assert meta['splits']['train']['seeds'] == [0, 1, 2, 3, 4]
    assert meta['splits']['test']['seeds'] == [100, 101]


def test_atomic_write_keeps_old_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / 'a.png'
    target.write_bytes(b'old')

    def broken_replace(src, dst):
        raise OSError('disk full')

    monkeypatch.setattr(tw.os, 'replace', broken_replace)
    with pytest.raises(OSError, match='disk full'):
        tw.atomic_write(target, b'new')  # mmdsgan.utils.io.atomic_write, as the writer uses it
    assert target.read_bytes() == b'old'
    assert os.listdir(tmp_path) == ['a.png']  # the temporary was removed


def test_refuses_foreign_folder_unless_forced(tmp_path):
    foreign = tmp_path / 'photos'
    foreign.mkdir()
    (foreign / 'holiday.jpg').write_bytes(b'x')
    with pytest.raises(FileExistsError) as err:
        write_toy_dataset(foreign, num=1)
    assert str(foreign) in str(err.value) and 'force=True' in str(err.value)
    assert sorted(os.listdir(foreign)) == ['holiday.jpg']  # nothing written
    assert write_toy_dataset(foreign, num=1, force=True).written == (0,)
    assert (foreign / 'holiday.jpg').exists()


def test_refuses_other_size_and_bad_split(tmp_path):
    write_toy_dataset(tmp_path, num=1, size=32)
    with pytest.raises(FileExistsError, match='size 32, not 64'):
        write_toy_dataset(tmp_path, num=1, size=64)
    with pytest.raises(ValueError, match='split'):
        write_toy_dataset(tmp_path, num=1, size=32, split='../escape')
    with pytest.raises(ValueError, match='num'):
        write_toy_dataset(tmp_path, num=-1, size=32)


# --------------------------------------------------------------------------------- tool


def test_tool_main(tmp_path, tool, capsys):
    make = tool('make_toy_data')
    out = tmp_path / 'data'
    assert make.main([str(out), '--num', '4', '--start-seed', '10', '--split', 'train',
                      '--grid', '4']) == 0
    assert sorted(os.listdir(out / 'img_dir/train')) == [f'toy_0000{i}.png' for i in
                                                         range(10, 14)]
    sheet = np.asarray(Image.open(out / 'contact_sheet_train.png'))
    # 4 tiles of (image | overlay) at 2x (64 px -> 128 px): 2 x 2 grid with 2 px gaps.
    assert sheet.shape == (2 * 128 + 2, 2 * 256 + 2, 3)
    assert 'wrote 4 samples' in capsys.readouterr().out

    assert make.main([str(out), '--num', '4', '--start-seed', '10']) == 0
    assert 'wrote 0 samples, kept 4' in capsys.readouterr().out

    assert make.main([str(out), '--num', '1', '--size', '128']) == 2
    err = capsys.readouterr().err
    assert str(out) in err and '--force' in err


def test_part_windows_change_nothing(monkeypatch):
    """Parts are evaluated only inside bounding windows; evaluating every part on the whole
    canvas must give the same bytes (so no window cuts a part off)."""
    windowed = [render_toy_face(seed) for seed in range(40)]
    monkeypatch.setattr(tc._Canvas, 'window', lambda self, *box: tc.FULL)
    whole = [render_toy_face(seed) for seed in range(40)]
    assert _digest(windowed) == _digest(whole)
