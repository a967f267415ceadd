"""Choosing the k real images to label: greedy k-center order on hand-made points (exact order,
tie rule, nesting, errors) and tools/select_images.py end to end on a toy pool with a tiny
encoder."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmseg.registry import MODELS
from PIL import Image

from mmdsgan.datasets.square_fit import SquareFit
from mmdsgan.models.inversion import build_inverter, k_center_greedy
from mmdsgan.models.inversion.inverter import to_tensor_images
from mmdsgan.models.inversion.selection import coverage_radius
from mmdsgan.utils.errors import ConfigError

from conftest import INVERT_CONFIG  # noqa: E402  (tests/test_inversion)

# Three far outliers (summing to 0) then a tight cross of 5 around the origin: the mean is the
# origin, sample 4.
POINTS = torch.tensor([[10.0, 0.0], [-5.0, 8.0], [-5.0, -8.0],
                       [0.1, 0.0], [0.0, 0.0], [0.0, 0.1], [-0.1, 0.0], [0.0, -0.1]])


def test_greedy_order_on_points():
    # 4: nearest the mean; 0: 10 away (the others 9.43); 1 and 2 tie at 9.43 -> lowest index;
    # then the cross's arms, all 0.1 from the nearest chosen: lowest index each time
    assert k_center_greedy(POINTS, 8) == [4, 0, 1, 2, 3, 5, 6, 7]
    assert k_center_greedy(POINTS, 1) == [4]


def test_greedy_order_is_nested_and_deterministic():
    assert k_center_greedy(POINTS, 3) == [4, 0, 1] == k_center_greedy(POINTS, 5)[:3]
    assert k_center_greedy(POINTS, 5) == [4, 0, 1, 2, 3]
    assert k_center_greedy(POINTS.double(), 5) == [4, 0, 1, 2, 3]


def test_duplicates_still_give_distinct_indices():
    assert k_center_greedy(torch.ones(4, 3), 4) == [0, 1, 2, 3]


def test_coverage_radius():
    assert coverage_radius(POINTS, [4, 0, 1, 2]) == pytest.approx(0.1)
    assert coverage_radius(POINTS, [4]) == pytest.approx(10.0)
    # the first 3 in file order leave the cross uncovered: (0.1, 0) is 9.49 from (-5, +-8)
    assert coverage_radius(POINTS, range(3)) == pytest.approx(float(np.hypot(5.1, 8.0)))
    # the greedy 3 leave (-5, -8) 9.43 from the origin
    assert coverage_radius(POINTS, [4, 0, 1]) == pytest.approx(float(np.hypot(5.0, 8.0)))


@pytest.mark.parametrize('k', [0, -1, 9, 2.0, True])
def test_bad_k_is_refused(k):
    with pytest.raises(ConfigError, match=r'k must be an integer in 1\.\.8'):
        k_center_greedy(POINTS, k)


def test_bad_features_are_refused():
    with pytest.raises(ValueError, match='non-empty'):
        k_center_greedy(torch.zeros(0, 2), 1)
    with pytest.raises(ValueError, match='NaN'):
        k_center_greedy(torch.tensor([[0.0, float('nan')]]), 1)


# ------------------------------------------------------------------------------ the tool
POOL = [f'toy_{seed:06d}' for seed in range(8)]


@pytest.fixture(scope='module')
def pool_root(tool, tmp_path_factory):
    """8 toy faces at 32 px (fitted to the 16 px generator by the tool)."""
    root = tmp_path_factory.mktemp('pool')
    assert tool('make_toy_data').main([str(root), '--num', '8', '--size', '32',
                                       '--no-depth', '--no-keypoints']) == 0
    return root


@pytest.fixture(scope='module')
def encoder_checkpoint(tiny_generator_path, tmp_path_factory):
    """An encoder-only checkpoint of the invert config's architecture on the tiny generator,
    with seeded random weights (an untrained encoder outputs zero: every image would be w_avg)."""
    cfg = Config.fromfile(INVERT_CONFIG)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        model = MODELS.build(dict(cfg.model, generator_checkpoint=tiny_generator_path,
                                  lpips_weight=0.0))
        rng = torch.Generator().manual_seed(1)
        with torch.no_grad():
            for param in model.encoder.parameters():
                param.add_(torch.randn(param.shape, generator=rng) * 0.05)
    path = tmp_path_factory.mktemp('encoder') / 'encoder.pth'
    torch.save({'state_dict': model.state_dict()}, path)  # encoder keys only
    return str(path)


def _options(generator, encoder=None):
    return ['--cfg-options', f'model.generator_checkpoint={generator}',
            'inversion.batch_size=3',
            *([f'inversion.encoder_checkpoint={encoder}'] if encoder else [])]


def _select(tool, root, out, generator, encoder, *extra):
    return tool('select_images').main([INVERT_CONFIG, '--data', str(root), '--k', '3',
                                       '--out', str(out), '--device', 'cpu', *extra,
                                       *_options(generator, encoder)])


def _codes_one_by_one(root, generator, encoder):
    """(8, num_ws * w_dim): each pool image read with PIL, fitted with SquareFit and encoded
    alone, through the encoder model itself (not the tool's path)."""
    cfg = Config.fromfile(INVERT_CONFIG)
    cfg.merge_from_dict({'model.generator_checkpoint': generator,
                         'inversion.encoder_checkpoint': encoder, 'inversion.use_lpips': False})
    inverter, _ = build_inverter(cfg)
    rows = []
    for sample_id in POOL:
        image = np.array(Image.open(root / 'img_dir' / 'train' / f'{sample_id}.png')
                           .convert('RGB'))
        fitted = SquareFit.for_shape(32, 32, 16).image(image)[None].copy()  # (1, 16, 16, 3)
        with torch.no_grad():
            ws = inverter.encoder_model.encode(to_tensor_images(fitted), None)
        rows.append(ws.reshape(-1))
    return torch.stack(rows)


def test_tool_writes_the_greedy_ids(tool, pool_root, tiny_generator_path, encoder_checkpoint,
                                    tmp_path, capsys):
    out = tmp_path / 'chosen' / 'labeled_ids.txt'
    result = _select(tool, pool_root, out, tiny_generator_path, encoder_checkpoint)
    codes = _codes_one_by_one(pool_root, tiny_generator_path, encoder_checkpoint)
    assert codes.shape == (8, 6 * 16)
    expected = k_center_greedy(codes, 3)
    assert result['ids'] == [POOL[i] for i in expected]
    assert len(set(result['ids'])) == 3 and set(result['ids']) <= set(POOL)
    assert out.read_text() == ''.join(f'{i}\n' for i in result['ids'])
    assert result['radius'] == pytest.approx(coverage_radius(codes, expected), rel=1e-4)
    assert result['first_k_radius'] == pytest.approx(coverage_radius(codes, [0, 1, 2]),
                                                     rel=1e-4)
    printed = capsys.readouterr().out
    assert 'encoding 8 images' in printed and 'pool 8, k 3: coverage radius' in printed

    # an existing --out is kept without --force (before any encoding)
    with pytest.raises(ConfigError, match=f'{out} exists: pass --force'):
        _select(tool, pool_root, out, tiny_generator_path, encoder_checkpoint)
    out.write_text('stale\n')
    again = _select(tool, pool_root, out, tiny_generator_path, encoder_checkpoint, '--force')
    assert again == result
    assert out.read_text() == ''.join(f'{i}\n' for i in result['ids'])


def test_tool_on_a_folder_of_unlabeled_images(tool, pool_root, tiny_generator_path,
                                              encoder_checkpoint, tmp_path):
    """--format images: a plain folder, no labels (choosing before labeling): the same images
    give the same choice as the labeled split; --split is refused there."""
    import shutil
    folder = tmp_path / 'unlabeled'
    shutil.copytree(pool_root / 'img_dir' / 'train', folder)
    labeled = _select(tool, pool_root, tmp_path / 'a.txt', tiny_generator_path,
                      encoder_checkpoint)
    plain = _select(tool, folder, tmp_path / 'b.txt', tiny_generator_path, encoder_checkpoint,
                    '--format', 'images')
    assert plain['ids'] == labeled['ids']
    assert plain['radius'] == pytest.approx(labeled['radius'], rel=1e-5)
    with pytest.raises(ConfigError, match='--format images: --data is the folder of images'):
        _select(tool, folder, tmp_path / 'c.txt', tiny_generator_path, encoder_checkpoint,
                '--format', 'images', '--split', 'train')


def test_tool_errors_are_one_line(tool, pool_root, tiny_generator_path, encoder_checkpoint,
                                  tmp_path, monkeypatch, capsys):
    from mmdsgan.utils.errors import run_tool

    module = tool('select_images')
    out = tmp_path / 'ids.txt'
    base = [INVERT_CONFIG, '--data', str(pool_root), '--out', str(out), '--device', 'cpu']
    cases = [
        ([*base, '--k', '3', *_options(tiny_generator_path)],
         'inversion.encoder_checkpoint is not set: selection needs the trained encoder, pass '
         '--cfg-options inversion.encoder_checkpoint=<file>'),
        ([*base, '--k', '9', *_options(tiny_generator_path, encoder_checkpoint)],
         f'--k 9: the pool (train of {pool_root}) has 8 images; choose 1..8')]
    for argv, message in cases:
        monkeypatch.setattr('sys.argv', ['select_images.py', *argv])
        assert run_tool(module.main) == 1
        assert capsys.readouterr().err == f'error: {message}\n'
    assert not out.exists()
