"""tools/demo.py runs the HandsOff flow end to end (tiny settings, a tiny generator)."""
from __future__ import annotations

import pytest


@pytest.fixture
def tiny_demo_config(tmp_path, repo_root, tiny_generator_64):
    path = tmp_path / 'demo_tiny.py'
    path.write_text(f"""
_base_ = ['{repo_root}/configs/demo/handsoff_toy-faces-64x64.py']
generator = '{tiny_generator_64}'
real = dict(num_labeled=4, num_val=2, num_test=6)
encoder = dict(cfg_options={{'train_cfg.max_iters': 2, 'default_hooks.checkpoint.interval': 2,
                             'train_dataloader.batch_size': 4}})
inversion = dict(cfg_options={{'inversion.steps': 2}})
interpreter = dict(cfg_options={{'train_cfg.max_iters': 3, 'model.head.num_members': 2,
                                 'train_dataloader.batch_size': 2}})
generation = dict(num=6, batch_size=3)
benchmark = dict(cfg_options={{'train_cfg.max_iters': 2, 'train_cfg.val_interval': 2,
                               'param_scheduler.0.end': 2,
                               'default_hooks.checkpoint.interval': 2,
                               'train_dataloader.batch_size': 2}})
""")
    return path


@pytest.mark.slow
def test_demo_end_to_end(tiny_demo_config, tmp_path, tool, capsys):
    work = tmp_path / 'demo'
    tool('demo').main([str(tiny_demo_config), '--work-dir', str(work)])
    out = capsys.readouterr().out
    md = (work / 'benchmark' / 'results.md').read_text()
    assert '| synthetic (HandsOff) | 4 | 1 |' in md and '| 16 real labels only | 4 | 1 |' in md
    assert 'Test images: 6 real images' in md
    assert (work / 'benchmark' / 'results.png').stat().st_size > 0
    assert (work / 'contact_sheet.png').stat().st_size > 0
    assert len(list((work / 'labeled_latents' / 'latents').glob('*.npy'))) == 4
    assert 'total' in out
    # A second run finds every stage done (or resumable) and ends the same way.
    tool('demo').main([str(tiny_demo_config), '--work-dir', str(work)])
    assert 'done already' in capsys.readouterr().out


def test_demo_names_the_missing_generator(tmp_path, tool):
    cfg = tmp_path / 'demo_missing.py'
    cfg.write_text("_base_ = []\ngenerator = 'nowhere/g.pth'\n")
    with pytest.raises(SystemExit, match='nowhere/g.pth is missing'):
        tool('demo').main([str(cfg), '--work-dir', str(tmp_path / 'w')])
