"""tools/benchmark.py: arms x seeds, results.md and the plot, the same test images everywhere."""
from __future__ import annotations

import json

import pytest

UNET_REAL = 'configs/downstream/unet-c16-s5-d16_fcn_1xb16-1k_real16-toy-faces-64x64.py'
SMOKE = 'configs/smoke/fcn_r18-c16-d8_1xb8-20iter_toy-faces-64x64.py'


def _write_spec(path, repo_root, data_root, work_dir, cv=None):
    opts = {f'{s}_dataloader.dataset.data_root': str(data_root) for s in ('train', 'val', 'test')}
    opts.update({'train_cfg.max_iters': 2, 'train_cfg.val_interval': 100,
                 'train_dataloader.batch_size': 2, 'default_hooks.checkpoint.interval': 1,
                 'default_hooks.checkpoint.max_keep_ckpts': 3,
                 'param_scheduler': []})
    path.write_text(
        f'arms = [dict(name="unet", labeled_images=8, config="{repo_root / UNET_REAL}"),\n'
        f'        dict(name="fcn", labeled_images=8, config="{repo_root / SMOKE}")]\n'
        f'seeds = [0, 1]\ncfg_options = {opts!r}\nabsent = "zero"\n'
        f'cross_validation = {cv!r}\nwork_dir = "{work_dir}"\n')
    return path


@pytest.mark.slow
def test_benchmark_writes_table_and_plot(tmp_path, toy_faces_root, repo_root, tool):
    spec = _write_spec(tmp_path / 'spec.py', repo_root, toy_faces_root, tmp_path / 'work')
    results = tool('benchmark').main([str(spec)])
    assert [(r['arm'], r['seed']) for r in results] == [('unet', 0), ('unet', 1), ('fcn', 0),
                                                        ('fcn', 1)]
    assert len({r['test_images_sha256'] for r in results}) == 1
    assert all(r['num_test_images'] == 4 for r in results)
    md = (tmp_path / 'work' / 'results.md').read_text()
    assert '| unet | 8 | 2 |' in md and '| fcn | 8 | 2 |' in md
    assert 'absent classes count as 0' in md and 'IoU.' not in md and 'skin' in md
    png = (tmp_path / 'work' / 'results.png').read_bytes()
    assert png[:8] == b'\x89PNG\r\n\x1a\n'
    # A second call reuses the finished runs (their result.json) instead of training again.
    stamp = (tmp_path / 'work' / 'unet' / 'seed0' / 'result.json').stat().st_mtime_ns
    tool('benchmark').main([str(spec)])
    assert (tmp_path / 'work' / 'unet' / 'seed0' / 'result.json').stat().st_mtime_ns == stamp


@pytest.mark.slow
def test_benchmark_cross_validation(tmp_path, toy_faces_root, repo_root, tool):
    spec = _write_spec(tmp_path / 'spec.py', repo_root, toy_faces_root, tmp_path / 'work',
                       cv=dict(folds=2, seed=0))
    tool('benchmark').main([str(spec), '--cfg-options', 'seeds=[0]'])
    result = json.loads((tmp_path / 'work' / 'fcn' / 'seed0' / 'result.json').read_text())
    folds = result['metrics']['cv_fold_mIoU']
    assert len(folds) == 2
    assert result['metrics']['mIoU'] == pytest.approx(sum(folds) / 2)
    assert set(result['metrics']['cv_chosen_checkpoints']) <= {'iter_1.pth', 'iter_2.pth'}


def test_spec_errors_name_the_problem(tmp_path, tool):
    spec = tmp_path / 'bad.py'
    spec.write_text('arms = [dict(name="a", config="nope.py")]\n')
    with pytest.raises(FileNotFoundError, match="arm 'a': config not found: nope.py"):
        tool('benchmark').main([str(spec)])
    spec.write_text(f'arms = [dict(name="a", config="{SMOKE}")]\nsplit = "val/x"\n')
    with pytest.raises(ValueError, match="`split` names the scored split"):
        tool('benchmark').main([str(spec)])


@pytest.mark.slow
def test_other_split_scores_the_trained_runs(tmp_path, toy_faces_root, repo_root, tool):
    """split='val' shares the run folders: scored, not trained again; a run folder trained with
    other settings is refused; tools/try_recipe.py trains a variant into recipes/NAME."""
    spec = _write_spec(tmp_path / 'spec.py', repo_root, toy_faces_root, tmp_path / 'work')
    tool('benchmark').main([str(spec), '--cfg-options', 'seeds=[0]'])
    run = tmp_path / 'work' / 'fcn' / 'seed0'
    ckpt = run / 'iter_2.pth'
    stamp = ckpt.stat().st_mtime_ns
    # the fixture has one split: the same images, scored under another split's name
    tool('benchmark').main([str(spec), '--cfg-options', 'seeds=[0]', 'split=val'])
    assert ckpt.stat().st_mtime_ns == stamp and not (run / 'iter_3.pth').exists()
    val, test = (json.loads((run / f).read_text()) for f in ('result_val.json', 'result.json'))
    assert val['metrics']['mIoU'] == pytest.approx(test['metrics']['mIoU'])  # same images
    md = (tmp_path / 'work' / 'results_val.md').read_text()
    assert "Scored on split 'val': 4 real images" in md and '| fcn | 8 | 1 |' in md
    assert (tmp_path / 'work' / 'results_val.png').is_file()

    with pytest.raises(ValueError, match=r"unet/seed0 was trained with other settings "
                                         r"\(cfg_options differ\)"):
        tool('benchmark').main([str(spec), '--cfg-options', 'seeds=[0]', 'split=val2',
                                'cfg_options.train_cfg.max_iters=3'])

    # try_recipe: a runner work dir is a folder with benchmark_spec.py and its val_dataloader
    from mmdsgan.utils.config import load_config
    work = tmp_path / 'exp'
    work.mkdir()
    val = load_config(str(repo_root / UNET_REAL)).val_dataloader.to_dict()
    val['dataset']['data_root'] = str(toy_faces_root)
    text = spec.read_text().replace(f'work_dir = "{tmp_path / "work"}"',
                                    f'work_dir = "{work / "benchmark"}"')
    (work / 'benchmark_spec.py').write_text(
        text + f'cfg_options["val_dataloader"] = dict({val!r}, _delete_=True)\n')
    results = tool('try_recipe').main([str(work), 'longer', '--arms', '^fc', '--seeds', '0',
                                       '--cfg-options', 'train_cfg.max_iters=3'])
    assert [(r['arm'], r['seed']) for r in results] == [('fcn', 0)]
    assert (work / 'recipes' / 'longer' / 'fcn' / 'seed0' / 'iter_3.pth').is_file()
    assert "Scored on split 'val'" in (work / 'recipes' / 'longer' / 'results_val.md').read_text()
    with pytest.raises(ValueError, match=r"NAME '\.\./out': letters, digits"):
        tool('try_recipe').main([str(work), '../out', '--arms', 'fcn'])
    with pytest.raises(ValueError, match=r"--arms '\^x' matches none of \['unet', 'fcn'\]"):
        tool('try_recipe').main([str(work), 'other', '--arms', '^x'])
    with pytest.raises(FileNotFoundError, match='benchmark_spec.py not found'):
        tool('try_recipe').main([str(tmp_path), 'other', '--arms', 'fcn'])
