"""Paths from configs and data files stay inside their folder: generation.split, manifest lines,
COCO file names; and --force cleans only the generator's own temporaries."""
from __future__ import annotations

import json
import os
import shutil

import numpy as np
import pytest
from PIL import Image

from mmdsgan.datasets.real_labeled import read_real_labeled
from mmdsgan.datasets.synthetic import SyntheticSegDataset, generate_dataset
from mmdsgan.utils.errors import InputError
from mmdsgan.utils.paths import check_folder_name, path_inside


def test_path_inside_rules(tmp_path):
    (tmp_path / 'a').mkdir()
    assert path_inside(tmp_path, 'a/b.png', 'x') == str(tmp_path / 'a' / 'b.png')
    for bad in ('../b.png', 'a/../../b.png', '/etc/passwd', ''):
        with pytest.raises(InputError, match='x: '):
            path_inside(tmp_path, bad, 'x')
    os.symlink('/etc', tmp_path / 'a' / 'out')
    with pytest.raises(InputError, match='symbolic link to /etc'):
        path_inside(tmp_path, 'a/out/passwd', 'x')
    assert check_folder_name('val_2', 's') == 'val_2'
    for bad in ('../train', '.hidden', 'a/b', ''):
        with pytest.raises(InputError, match="s must be a plain folder name"):
            check_folder_name(bad, 's')


def test_generation_split_cannot_leave_the_folder(toy_interpreter, tmp_path):
    out = tmp_path / 'set'
    options = dict(toy_interpreter['cfg_options'], **{'generation.split': '../escape'})
    with pytest.raises(InputError, match=r'generation\.split must be a plain folder name'):
        generate_dataset(toy_interpreter['config'], num=2, out=str(out),
                         checkpoint=toy_interpreter['checkpoint'], cfg_options=options,
                         progress=False)
    assert sorted(os.listdir(tmp_path)) == []  # refused before anything was written


def _copy_with_manifest_entry(synthetic_root, tmp_path, key, value):
    root = tmp_path / 'copy'
    shutil.copytree(synthetic_root, root)
    lines = (root / 'manifest.jsonl').read_text().splitlines()
    record = json.loads(lines[0])
    record[key] = value
    (root / 'manifest.jsonl').write_text('\n'.join([json.dumps(record)] + lines[1:]) + '\n')
    return root, record['id']


@pytest.mark.parametrize('value', ['../../outside.png', '/etc/hostname'])
def test_manifest_paths_are_confined(synthetic_root, tmp_path, value):
    root, sample = _copy_with_manifest_entry(synthetic_root, tmp_path, 'img', value)
    with pytest.raises(InputError, match=rf'manifest\.jsonl \({sample}\): the path'):
        SyntheticSegDataset(data_root=str(root), keep_ratio=None, pipeline=[])


def test_coco_file_name_is_confined(tmp_path):
    root = tmp_path / 'coco'
    (root / 'annotations').mkdir(parents=True)
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / 'secret.png')
    coco = dict(images=[dict(id=1, file_name='../secret.png', width=4, height=4)],
                annotations=[], categories=[dict(id=1, name='a')])
    (root / 'annotations' / 'train.json').write_text(json.dumps(coco))
    with pytest.raises(InputError, match=r"train\.json: image file_name: the path '\.\./secret"):
        read_real_labeled(str(root), 'coco', 'train', 'seg', dict(classes=['bg', 'a']))


def test_force_cleans_only_its_own_temporaries(toy_interpreter, tmp_path):
    out = tmp_path / 'set'
    (out / '.git').mkdir(parents=True)
    (out / 'img_dir' / 'train').mkdir(parents=True)
    foreign = out / '.git' / '.index.lock.tmp'
    foreign.write_text('not ours')
    stale = out / 'img_dir' / 'train' / '.seed00000000.png.123-abcd.tmp'
    stale.write_text('cut by a crash')
    generate_dataset(toy_interpreter['config'], num=1, out=str(out),
                     checkpoint=toy_interpreter['checkpoint'], batch_size=1, force=True,
                     cfg_options=toy_interpreter['cfg_options'], progress=False)
    assert foreign.read_text() == 'not ours'
    assert not stale.exists()
