"""generate_dataset / tools/generate_dataset.py: layout, manifest, resume, refusal, two ranks."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from mmdsgan.datasets.synthetic import generate_dataset, read_manifest

ANN_PALETTE = [0, 0, 0, 204, 0, 0, 0, 0, 204, 51, 255, 255]


def _files(root: Path) -> dict[str, bytes]:
    """Every sample file (images, labels, uncertainty, latents) by relative path."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob('*'))
            if p.is_file() and p.parts[len(root.parts)] in ('img_dir', 'ann_dir', 'unc_dir',
                                                             'latents')}


def _manifest_lines(root: Path, drop=('rank', 'world_size')) -> list[dict]:
    lines = (root / 'manifest.jsonl').read_text().splitlines()
    return [{k: v for k, v in json.loads(line).items() if k not in drop} for line in lines]


class Interrupt(Exception):
    pass


def test_layout_manifest_and_metainfo(generated, interpreter):
    root = generated
    records = _manifest_lines(root, drop=())
    assert [r['index'] for r in records] == list(range(10))
    assert [r['seed'] for r in records] == list(range(100, 110))
    first = records[0]
    assert first['id'] == 'seed00000100' and first['latent'] is None
    assert first['latent_type'] == 'z' and first['rank'] == 0 and first['world_size'] == 1
    assert first['img'] == 'img_dir/train/seed00000100.png'
    assert first['ann'] == 'ann_dir/train/seed00000100.png'
    assert first['unc'] == 'unc_dir/train/seed00000100.png'
    ann = Image.open(root / first['ann'])
    assert ann.mode == 'P' and ann.size == (32, 32)
    assert ann.getpalette()[:12] == ANN_PALETTE
    assert np.asarray(ann).max() < 4
    assert Image.open(root / first['img']).mode == 'RGB'
    assert Image.open(root / first['unc']).mode.startswith('I')
    meta = json.loads((root / 'metainfo.json').read_text())
    assert meta['classes'] == ['background', 'skin', 'hair', 'eye'] and meta['task'] == 'seg'
    assert meta['complete'] is True and meta['num_done'] == 10 and meta['num_requested'] == 10
    assert meta['truncation'] == dict(psi=0.7, cutoff=None)
    assert meta['generation']['seed'] == 100 and meta['generation']['batch_size'] == 3
    assert len(meta['generator_sha256']) == 64 and len(meta['interpreter_sha256']) == 64
    assert meta['interpreter']['checkpoint'] == interpreter['checkpoint']
    assert 'StyleGAN2FeatureBackbone' in meta['config_text']
    assert not list(root.glob('manifest.rank*')) and not list(root.rglob('*.tmp'))


def test_resume_after_an_interruption_gives_the_same_files(generated, interpreter, tmp_path):
    out = tmp_path / 'set'
    seen = []

    def stop_after_four(record):
        seen.append(record['index'])
        if len(seen) == 4:  # mid-batch: batch 2 holds indices 3, 4, 5
            raise Interrupt

    with pytest.raises(Interrupt):
        generate_dataset(interpreter['config'], 10, str(out), progress=False,
                         after_sample=stop_after_four)
    assert [r['index'] for r in read_manifest(str(out))] == [0, 1, 2, 3]
    # A sample cut half-way: its image is written, its label and manifest line are not.
    partial = out / 'img_dir/train/seed00000104.png'
    partial.write_bytes(b'torn')
    with open(out / 'manifest.rank0.jsonl', 'a') as f:
        f.write('{"id": "seed00000104", "ind')  # a line cut by the crash
    generate_dataset(interpreter['config'], 10, str(out), progress=False)
    assert _files(out) == _files(generated)
    assert _manifest_lines(out, drop=()) == _manifest_lines(generated, drop=())
    # Running again finds nothing to do and changes nothing.
    before = (out / 'manifest.jsonl').read_bytes()
    assert len(generate_dataset(interpreter['config'], 10, str(out), progress=False)) == 10
    assert (out / 'manifest.jsonl').read_bytes() == before


def test_refuses_a_foreign_folder_unless_forced(interpreter, tmp_path):
    out = tmp_path / 'mine'
    out.mkdir()
    (out / 'notes.txt').write_text('keep me')
    with pytest.raises(FileExistsError, match=rf'{out}.*--force'):
        generate_dataset(interpreter['config'], 2, str(out), progress=False)
    assert sorted(os.listdir(out)) == ['notes.txt']
    generate_dataset(interpreter['config'], 2, str(out), progress=False, force=True)
    assert len(read_manifest(str(out))) == 2 and (out / 'notes.txt').is_file()


def test_refuses_to_resume_with_other_settings(generated, interpreter, tmp_path):
    out = tmp_path / 'set'
    generate_dataset(interpreter['config'], 2, str(out), progress=False)
    with pytest.raises(FileExistsError, match='generation differ'):
        generate_dataset(interpreter['config'], 2, str(out), progress=False,
                         cfg_options={'generation.seed': 5})


@pytest.mark.slow
def test_tool_with_two_ranks_matches_one_rank(generated, interpreter, repo_root, tmp_path):
    out = tmp_path / 'two_ranks'
    # Same intra-op thread count as this process: CPU kernels may split reductions by thread.
    env = dict(os.environ, OMP_NUM_THREADS=str(torch.get_num_threads()),
               PYTHONPATH=str(repo_root))
    cmd = [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node', '2',
           '--master_port', str(29500 + os.getpid() % 1000),
           str(repo_root / 'tools' / 'generate_dataset.py'), interpreter['config'],
           '-n', '10', '--out', str(out), '--launcher', 'pytorch']
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=240)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-6000:]
    assert _files(out) == _files(generated)
    assert _manifest_lines(out) == _manifest_lines(generated)
    ranks = [json.loads(line)['rank'] for line in (out / 'manifest.jsonl').read_text().splitlines()]
    assert ranks == [0, 1] * 5
