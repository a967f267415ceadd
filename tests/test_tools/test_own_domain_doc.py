"""docs/own_domain.md runs as written: every ```python block is the file its first line names,
every ```bash line is run, in order, from a root that looks like the repository (its tools,
configs and package linked in) with an empty work_dirs/, and the walk-through ends with the
table of its three arms."""
from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a GAN, the whole pipeline and three downstream runs, tiny


def doc_blocks(repo_root: Path) -> list[tuple[str, str]]:
    text = (repo_root / 'docs' / 'own_domain.md').read_text()
    return re.findall(r'```(bash|python)\n(.*?)```', text, re.S)


def test_blocks_are_files_or_commands(repo_root):
    blocks = doc_blocks(repo_root)
    assert [kind for kind, _ in blocks].count('bash') >= 4
    for kind, body in blocks:
        if kind == 'python':
            first = body.splitlines()[0]
            assert re.fullmatch(r'# work_dirs/own_domain/\w+\.py', first), first
        else:
            for line in body.strip().splitlines():
                assert line.split()[0] in ('python', 'cat'), line


def test_own_domain_walkthrough_runs_as_written(repo_root, tmp_path):
    root = tmp_path / 'repo'
    root.mkdir()
    for name in ('tools', 'configs', 'mmdsgan'):
        (root / name).symlink_to(repo_root / name)
    env = dict(os.environ, PATH=f'{Path(sys.executable).parent}{os.pathsep}{os.environ["PATH"]}')
    outputs = []
    for kind, body in doc_blocks(repo_root):
        if kind == 'python':
            path = root / body.splitlines()[0][2:]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body)
            continue
        for line in body.strip().splitlines():
            result = subprocess.run(shlex.split(line), cwd=root, env=env, capture_output=True,
                                    text=True)
            assert result.returncode == 0, \
                f'{line}\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}'
            outputs.append(result.stdout)
    table = outputs[-1]  # the last command prints the results
    for row in ('| synthetic (HandsOff) | 4 | 1 |', '| 4 real labels only | 4 | 1 |',
                '| all real labels (upper bound) | 24 | 1 |'):
        assert row in table, table
    assert "Scored on split 'test': 8 real images" in table
    run = root / 'work_dirs' / 'own_domain' / 'run'
    assert (run / 'prediction_sheet.png').is_file() and (run / 'contact_sheet.png').is_file()
    assert (root / 'work_dirs' / 'own_domain' / 'gan' / 'generator_ema_latest.pth').is_file()
    weighted = (root / 'work_dirs' / 'own_domain' / 'unet_real_weighted.py').read_text()
    assert 'class_weight' in weighted
    # nothing was written into the repository itself: only the links lead there
    assert sorted(p.name for p in root.iterdir()) == ['configs', 'mmdsgan', 'tools', 'work_dirs']
