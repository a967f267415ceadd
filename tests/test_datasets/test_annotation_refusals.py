"""tools/sample_for_annotation.py never replaces the latents of painted masks, and never writes
into a folder of other files unless told to."""
from __future__ import annotations

import json
import os.path as osp

import numpy as np
import pytest
from PIL import Image

from mmdsgan.datasets.annotation import AnnotationError

from tiny_models import tiny_generator_kwargs

LEAF = osp.join(osp.dirname(__file__), '..', '..', 'configs', 'interpreter',
                'interpreter_ensemble10_toy-faces-64x64.py')


def _config(tmp_path, psi: float = 0.7) -> str:
    path = tmp_path / f'leaf_{psi}.py'
    path.write_text(f"""_base_ = [{osp.abspath(LEAF)!r}]
model = dict(backbone=dict(checkpoint=None, generator={tiny_generator_kwargs()!r},
                           truncation_psi={psi}))
""")
    return str(path)


def _sample(tool, config, out, *extra):
    return tool('sample_for_annotation').main([config, '--num', '2', '--out', str(out), *extra])


def test_painted_masks_keep_their_latents(tool, tmp_path):
    out = tmp_path / 'ann'
    ids = _sample(tool, _config(tmp_path), out)
    latent = np.load(out / 'latents' / f'{ids[0]}.npy')
    Image.fromarray(np.zeros((16, 16), np.uint8)).save(out / 'masks' / f'{ids[0]}.png')
    assert _sample(tool, _config(tmp_path), out) == ids  # the same sample again: allowed
    assert np.array_equal(np.load(out / 'latents' / f'{ids[0]}.npy'), latent)
    for extra in ([], ['--force']):  # another truncation: other latents
        with pytest.raises(AnnotationError, match='1 painted mask|belongs to another dataset'):
            _sample(tool, _config(tmp_path, psi=0.5), out, *extra)
        assert np.array_equal(np.load(out / 'latents' / f'{ids[0]}.npy'), latent)
    meta = json.loads((out / 'metainfo.json').read_text())
    assert meta['kind'] == 'mmdsgan.annotation' and meta['made_by']['truncation_psi'] == 0.7


def test_unrelated_folder_needs_force(tool, tmp_path):
    out = tmp_path / 'mine'
    out.mkdir()
    (out / 'notes.txt').write_text('keep me')
    with pytest.raises(AnnotationError, match='is not empty and has no metainfo.json'):
        _sample(tool, _config(tmp_path), out)
    assert sorted(p.name for p in out.iterdir()) == ['notes.txt']
    ids = _sample(tool, _config(tmp_path), out, '--force')
    assert (out / 'notes.txt').read_text() == 'keep me'
    assert (out / 'images' / f'{ids[1]}.png').is_file()


def test_import_out_refuses_other_files(tool, tmp_path):
    from mmdsgan.datasets.annotation import import_annotations

    ann = tmp_path / 'ann'
    ids = _sample(tool, _config(tmp_path), ann)
    for sample_id in ids:
        Image.fromarray(np.zeros((16, 16), np.uint8)).save(ann / 'masks' / f'{sample_id}.png')
    out = tmp_path / 'out'
    out.mkdir()
    (out / 'notes.txt').write_text('keep me')
    with pytest.raises(AnnotationError, match='import_annotations: the folder .* is not empty'):
        import_annotations(str(ann), str(out))
    assert sorted(p.name for p in out.iterdir()) == ['notes.txt']
    fresh = tmp_path / 'fresh'
    assert import_annotations(str(ann), str(fresh)) == ids
    assert import_annotations(str(ann), str(fresh)) == ids  # importing again is fine
    assert np.array_equal(np.load(fresh / 'latents' / f'{ids[0]}.npy'),
                          np.load(ann / 'latents' / f'{ids[0]}.npy'))


def test_convert_generator_refuses_to_overwrite(tool, tmp_path, capsys):
    import torch

    from mmdsgan.datasets.folder_claim import FolderClaimError
    from mmdsgan.models.generators import Generator, save_generator

    src = tmp_path / 'g.pth'
    torch.manual_seed(0)
    save_generator(Generator(**tiny_generator_kwargs()).eval(), src)
    out = tmp_path / 'mine.pth'
    out.write_bytes(b'precious')
    with pytest.raises(FolderClaimError, match='mine.pth exists; .* --force'):
        tool('convert_generator').main([str(src), str(out)])
    assert out.read_bytes() == b'precious'
    tool('convert_generator').main([str(src), str(out), '--force'])
    assert out.read_bytes() != b'precious'
