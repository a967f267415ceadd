"""tools/invert.py never resumes or writes into a folder made by something else: another
generator, another dataset, or files that are not an inversion's; --force starts over."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from mmdsgan.models.generators import Generator, save_generator

from conftest import INVERT_CONFIG  # noqa: E402  (tests/test_inversion)


def _invert(tool, root, out, generator, *extra):
    return tool('invert').main([
        INVERT_CONFIG, '--data', str(root), '--out', str(out), '--device', 'cpu',
        '--cfg-options', f'model.generator_checkpoint={generator}', 'inversion.use_lpips=False',
        'inversion.batch_size=4', 'inversion.steps=2', *extra])


@pytest.fixture(scope='module')
def other_generator(tiny_generator_path, tmp_path_factory) -> str:
    """A second generator of the same architecture, other weights."""
    from mmdsgan.models.generators import load_generator

    G = load_generator(tiny_generator_path)
    kwargs = G.init_kwargs
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(1)
        other = Generator(**kwargs).eval()
    other.mapping.w_avg.copy_(G.mapping.w_avg)
    path = tmp_path_factory.mktemp('other_generator') / 'g.pth'
    save_generator(other, path)
    return str(path)


def test_other_generator_is_refused_and_force_starts_over(tool, real_toy_root, tmp_path,
                                                          tiny_generator_path, other_generator):
    out = tmp_path / 'inv'
    _invert(tool, real_toy_root, out, tiny_generator_path)
    first = np.load(out / 'latents' / 'toy_000000.npy')
    os.remove(out / 'latents' / 'toy_000001.npy')  # an interrupted run: one image to redo
    with pytest.raises(ValueError, match=r'belongs to another dataset \(made_by differs\).*'
                                         r'--force'):
        _invert(tool, real_toy_root, out, other_generator)
    assert np.array_equal(np.load(out / 'latents' / 'toy_000000.npy'), first)
    assert not (out / 'latents' / 'toy_000001.npy').exists()  # nothing mixed in
    report = _invert(tool, real_toy_root, out, other_generator, '--force')
    assert report['num_images'] == 4
    assert not np.array_equal(np.load(out / 'latents' / 'toy_000000.npy'), first)
    meta = json.loads((out / 'metainfo.json').read_text())
    assert meta['kind'] == 'mmdsgan.labeled_latents'
    assert meta['made_by']['generator_sha256'] != ''
    assert meta['source']['data'] == os.path.abspath(real_toy_root)


def test_unrelated_folder_is_refused_untouched(tool, real_toy_root, tmp_path,
                                               tiny_generator_path):
    out = tmp_path / 'mine'
    (out / 'images').mkdir(parents=True)
    (out / 'report.md').write_text('my notes')
    (out / 'images' / 'toy_000000.png').write_bytes(b'my picture')
    with pytest.raises(ValueError, match=r'is not empty and has no metainfo\.json'):
        _invert(tool, real_toy_root, out, tiny_generator_path)
    assert (out / 'report.md').read_text() == 'my notes'
    assert (out / 'images' / 'toy_000000.png').read_bytes() == b'my picture'
    assert sorted(os.listdir(out)) == ['images', 'report.md']


def test_tool_prints_one_error_line(real_toy_root, tmp_path, tiny_generator_path, repo_root):
    out = tmp_path / 'mine'
    out.mkdir()
    (out / 'notes.txt').write_text('x')
    cmd = [sys.executable, 'tools/invert.py', INVERT_CONFIG, '--data', str(real_toy_root),
           '--out', str(out), '--device', 'cpu', '--cfg-options',
           f'model.generator_checkpoint={tiny_generator_path}', 'inversion.use_lpips=False']
    result = subprocess.run(cmd, cwd=repo_root, capture_output=True, text=True)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith('error: LabeledLatentWriter: the folder ')
    assert 'Traceback' not in result.stderr
    debug = subprocess.run(cmd + ['--debug'], cwd=repo_root, capture_output=True, text=True)
    assert debug.returncode == 1 and 'Traceback' in debug.stderr
