"""tools/demo_all.py runs the depth and keypoint flow end to end (tiny settings and generator)."""
from __future__ import annotations

import pytest


@pytest.fixture
def tiny_demo_all_config(tmp_path, repo_root, tiny_generator_64):
    path = tmp_path / 'demo_all_tiny.py'
    tiny_interpreter = ("{'train_cfg.max_iters': 3, 'model.head.num_members': 2, "
                        "'train_dataloader.batch_size': 2}")
    path.write_text(f"""
_base_ = ['{repo_root}/configs/demo/handsoff-all-tasks_toy-faces-64x64.py']
generator = '{tiny_generator_64}'
real = dict(num_labeled=4, num_val=2, num_test=3)
encoder = dict(cfg_options={{'train_cfg.max_iters': 2, 'default_hooks.checkpoint.interval': 2,
                             'train_dataloader.batch_size': 4}})
inversion = dict(cfg_options={{'inversion.steps': 2}})
task_settings = dict(depth=dict(interpreter_options={tiny_interpreter},
                                generation=dict(num=6, batch_size=3)),
                     keypoints=dict(interpreter_options={tiny_interpreter},
                                    generation=dict(num=6, batch_size=3)))
task_benchmark = dict(seeds=[0], cfg_options={{
    'train_cfg.max_iters': 2, 'train_cfg.val_interval': 2, 'param_scheduler.0.end': 2,
    'default_hooks.checkpoint.interval': 2, 'train_dataloader.batch_size': 2}})
""")
    return path


@pytest.mark.slow
def test_demo_all_depth_and_keypoints(tiny_demo_all_config, tmp_path, tool, capsys):
    work = tmp_path / 'demo'
    tool('demo_all').main([str(tiny_demo_all_config), '--work-dir', str(work),
                           '--tasks', 'depth', 'keypoints'])
    out = capsys.readouterr().out
    depth = (work / 'benchmark_depth' / 'results.md').read_text()
    assert '| arm | labeled images | seeds | nmse | rmse | rmse_log |' in depth
    assert '| depth: synthetic (HandsOff) | 4 | 1 |' in depth
    assert '| depth: 16 real labels only | 4 | 1 |' in depth
    kp = (work / 'benchmark_keypoints' / 'results.md').read_text()
    assert '| arm | labeled images | seeds | PCK@0.1 | PCK@0.05 | PCK@0.02 |' in kp
    assert 'Test images: 3 real images' in kp
    assert len(list((work / 'synthetic_keypoints' / 'ann_dir' / 'train').glob('*.json'))) == 6
    assert len(list((work / 'synthetic_depth' / 'ann_dir' / 'train').glob('*.png'))) == 6
    assert '== depth: synthetic vs 16 real labels' in out and 'total' in out


def test_demo_all_names_an_unknown_task(tmp_path, tool, repo_root):
    from mmdsgan.utils.errors import ConfigError
    with pytest.raises(ConfigError, match=r"no settings for \['normals'\]"):
        tool('demo_all').main(['--work-dir', str(tmp_path / 'w'), '--tasks', 'normals'])
