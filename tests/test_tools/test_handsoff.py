"""tools/handsoff.py: one experiment config end to end (tiny settings, a tiny generator), its
stage records and refusals, and the experiment configs shipped in configs/experiments/."""
from __future__ import annotations

import json
import os.path as osp

import pytest

from mmdsgan.pipeline import fill_placeholders, flat_options, load_experiment
from mmdsgan.utils.errors import ConfigError

TOY = 'configs/experiments/handsoff_toy-faces-64x64.py'

# Tiny iteration counts, given the way a user would: --cfg-options on the experiment.
TINY = [
    'encoder.cfg_options.train_cfg.max_iters=2',
    'encoder.cfg_options.default_hooks.checkpoint.interval=2',
    'encoder.cfg_options.train_dataloader.batch_size=2',
    'inversion.cfg_options.inversion.steps=2',
    'interpreter.cfg_options.train_cfg.max_iters=2',
    'interpreter.cfg_options.model.head.num_members=2',
    'interpreter.cfg_options.train_dataloader.batch_size=2',
    'generation.num=4', 'generation.batch_size=4',
    'benchmark.cfg_options.train_cfg.max_iters=1',
    'benchmark.cfg_options.train_cfg.val_interval=1',
    'benchmark.cfg_options.param_scheduler.0.end=1',
    'benchmark.cfg_options.default_hooks.checkpoint.interval=1',
    'benchmark.cfg_options.train_dataloader.batch_size=2',
]


def _tiny_experiment(tmp_path, repo_root, generator, base=TOY):
    """``base`` with the tiny generator and a tiny rendered domain (6 train images, 3 of them
    labeled; 2 val, 3 test)."""
    path = tmp_path / f'tiny_{osp.basename(base)}'
    path.write_text(f"""
_base_ = ['{repo_root}/{base}']
prepare = [
    dict(name='train', args=['tools/make_toy_data.py', '{{work_dir}}/real', '--num', '6',
                             '--split', 'train', '--start-seed', '0']),
    dict(name='val', args=['tools/make_toy_data.py', '{{work_dir}}/real', '--num', '2',
                           '--split', 'val', '--start-seed', '100000']),
    dict(name='test', args=['tools/make_toy_data.py', '{{work_dir}}/real', '--num', '3',
                            '--split', 'test', '--start-seed', '200000']),
]
real = dict(labeled=3)
generator = '{generator}'
""")
    return path


@pytest.fixture
def tiny_experiment(tmp_path, repo_root, tiny_generator_64):
    return _tiny_experiment(tmp_path, repo_root, tiny_generator_64)


def test_toy_experiment_builds(repo_root):
    """The toy experiment is `make demo`: synthetic, few-shot and full-supervision arms on;
    transfer (needs a pretrained file) and synthetic + real (time) opt in."""
    cfg = load_experiment(str(repo_root / TOY))
    assert cfg.real.labeled == 16 and cfg.ks is None and cfg.real.task == 'seg'
    assert set(k for k, v in cfg.benchmark.arms.items() if v and v.get('enabled', True)) == {
        'synthetic', 'few_shot', 'full'}
    assert cfg.benchmark.arms.transfer.enabled is False
    assert cfg.benchmark.arms.synthetic_real.enabled is False
    assert cfg.benchmark.metrics is None
    assert 'tools/handsoff.py $(TOY)-64x64.py' in (repo_root / 'Makefile').read_text()


@pytest.mark.parametrize('task,metrics', [('depth', ['nmse', 'rmse', 'rmse_log']),
                                          ('keypoints', ['PCK@0.1', 'PCK@0.05', 'PCK@0.02'])])
def test_toy_task_experiments_build(repo_root, task, metrics):
    """`make demo-all`'s depth and keypoint experiments: the toy one with that label type in
    every stage (its own interpreter, dataset and arms; the seg arms replaced, not merged)."""
    cfg = load_experiment(
        str(repo_root / f'configs/experiments/handsoff_toy-faces-{task}-64x64.py'))
    assert cfg.real.task == task and cfg.benchmark.metrics == metrics
    assert task in cfg.interpreter.config and task in cfg.evaluation.config
    assert list(cfg.benchmark.arms) == ['synthetic', 'few_shot']
    assert all(task in arm.config for arm in cfg.benchmark.arms.values())
    assert cfg.benchmark.seeds == [0, 1, 2]
    assert 'model.class_balanced' not in cfg.interpreter.cfg_options or task == 'keypoints'


def test_experiment_checks(tmp_path, repo_root):
    path = tmp_path / 'bad.py'
    path.write_text(f"_base_ = ['{repo_root}/{TOY}']\nreal = dict(labeled=0)\n")
    with pytest.raises(ConfigError, match='real.labeled'):
        load_experiment(str(path))
    path.write_text(f"_base_ = ['{repo_root}/{TOY}']\nks = [4, 32]\n")
    with pytest.raises(ConfigError, match='ks'):
        load_experiment(str(path))
    path.write_text(f"_base_ = ['{repo_root}/{TOY}']\nks = [4, 8]\nannotations = 'ANN'\n")
    with pytest.raises(ConfigError, match='ks with annotations'):
        load_experiment(str(path))
    path.write_text(f"_base_ = ['{repo_root}/{TOY}']\nbenchmark = dict(arms=dict(oracle=1))\n")
    with pytest.raises(ConfigError, match='oracle'):
        load_experiment(str(path))


def test_placeholders_and_options():
    names = dict(work_dir='/w', k=4, synthetic=None)
    assert fill_placeholders({'a': ['{work_dir}/real', '{other}', 3]}, names) == {
        'a': ['/w/real', '{other}', 3]}
    assert fill_placeholders('{k} labels', names) == '4 labels'
    with pytest.raises(ConfigError, match='synthetic'):
        fill_placeholders('{synthetic}', names)
    assert flat_options({'a.b': 1, 'a': {'b': 2, 'c': {'d': 3}}}) == {'a.b': 2, 'a.c.d': 3}
    # A placeholder alone keeps its value's type (e.g. a dataset's indices='{k}').
    assert fill_placeholders({'n': '{k}', 's': '{k}x'}, names) == {'n': 4, 's': '4x'}


@pytest.mark.slow
def test_handsoff_end_to_end(tiny_experiment, tmp_path, tool, capsys):
    work = tmp_path / 'run'
    handsoff = tool('handsoff')
    handsoff.main([str(tiny_experiment), '--work-dir', str(work), '--cfg-options', *TINY,
                   'benchmark.arms.synthetic_real.enabled=True'])
    out = capsys.readouterr().out
    md = (work / 'benchmark' / 'results.md').read_text()
    for row in ('| synthetic (HandsOff) | 3 | 1 |', '| 3 real labels only | 3 | 1 |',
                '| synthetic + 3 real | 3 | 1 |', '| all real labels (upper bound) | 6 | 1 |'):
        assert row in md, md
    assert "Scored on split 'test': 3 real images" in md
    assert ('== protocol: one draw of 3 labeled images x training seeds [0], scored on the '
            'real test split. One draw is not a margin') in out
    assert (work / 'labeled_ids.txt').read_text().split() == [
        'toy_000000', 'toy_000001', 'toy_000002']
    assert len(list((work / 'labeled_latents' / 'latents').glob('*.npy'))) == 3
    assert '$ python tools/invert.py' in out and '--ids' in out
    assert (work / 'contact_sheet.png').is_file()
    records = sorted(p.stem for p in (work / 'stages').glob('*.json'))
    assert records == ['benchmark', 'contact_sheet_k3', 'encoder', 'generation_k3',
                       'interpreter_k3', 'inversion_k3', 'prediction_sheet', 'prepare_test',
                       'prepare_train', 'prepare_val']
    record = json.loads((work / 'stages' / 'interpreter_k3.json').read_text())
    assert record['peak_rss_mb'] > 50 and record['seconds'] > 0  # a python process with torch
    assert 'MiB  train the interpreter ensemble on 3 images' in out
    # The prediction sheet: 6 rows (only 3 test images: 3) x image, GT and the 4 arms.
    from PIL import Image
    with Image.open(work / 'prediction_sheet.png') as sheet:
        width, height = sheet.size
    assert (width, height) == (round(1.7 * 6 * 100), round((1.7 * 3 + 0.4) * 100))

    # A second run skips every stage.
    handsoff.main([str(tiny_experiment), '--work-dir', str(work), '--cfg-options', *TINY,
                   'benchmark.arms.synthetic_real.enabled=True'])
    out = capsys.readouterr().out
    assert out.count('done already') == 10 and '$ python' not in out

    # Changed settings of one stage: refused, naming it; --force redoes it and what follows.
    more = [*TINY, 'benchmark.arms.synthetic_real.enabled=True', 'generation.num=5']
    with pytest.raises(Exception, match="stage 'generation_k3'.*--force"):
        handsoff.main([str(tiny_experiment), '--work-dir', str(work), '--cfg-options', *more])
    handsoff.main([str(tiny_experiment), '--work-dir', str(work), '--force',
                   '--cfg-options', *more])
    out = capsys.readouterr().out
    assert 'train the inversion encoder on generator samples: done already' in out
    assert '$ python tools/generate_dataset.py' in out and '$ python tools/benchmark.py' in out
    assert json.loads((work / 'synthetic' / 'metainfo.json').read_text())

    # A work dir of another experiment config is refused.
    other = tmp_path / 'other.py'
    other.write_text(tiny_experiment.read_text())
    with pytest.raises(Exception, match='belongs to another dataset|--force'):
        handsoff.main([str(other), '--work-dir', str(work), '--cfg-options', *TINY])


@pytest.mark.slow
def test_handsoff_label_efficiency(tiny_experiment, tmp_path, tool):
    """ks=[2, 3]: inversion, interpreter, generation and the arms per k, the full-supervision
    arm once; a table and plot of mIoU against k, every arm on the same test images. With
    real.select='k-center' the labeled images are chosen from the split by the encoder's
    codes, and each k takes the first k of that choice."""
    work = tmp_path / 'curve'
    tool('handsoff').main([
        str(tiny_experiment), '--work-dir', str(work), '--cfg-options', *TINY, 'ks=[2,3]',
        'benchmark.arms.synthetic_real=None', 'real.select=k-center'])
    md = (work / 'label_efficiency.md').read_text()
    assert '| arm | k=2 | k=3 |' in md, md
    assert md.count('| synthetic |') == 1 and md.count('| few_shot |') == 1
    assert '(all 6)' in md and '| synthetic_real' not in md
    assert (work / 'label_efficiency.png').stat().st_size > 0
    chosen = (work / 'selected_ids.txt').read_text().split()
    assert len(set(chosen)) == 3 and set(chosen) <= {f'toy_{i:06d}' for i in range(6)}
    assert (work / 'k2' / 'labeled_ids.txt').read_text().split() == chosen[:2]
    assert (work / 'k3' / 'labeled_ids.txt').read_text().split() == chosen
    assert len(list((work / 'k3' / 'labeled_latents' / 'latents').glob('*.npy'))) == 3
    results = (work / 'benchmark' / 'results.md').read_text()
    assert '| synthetic (HandsOff) (k=2) | 2 | 1 |' in results
    assert '| 3 real labels only | 3 | 1 |' in results


@pytest.mark.slow
def test_handsoff_draws_scored_on_val_then_test(tiny_experiment, tmp_path, tool, capsys):
    """draws=2 of 2 labeled images, scored on the val split: per draw its own inversion,
    interpreter and generated set, every arm per draw, the full arm once; draws_val.md. The
    test split then scores the same trained runs: nothing is trained again."""
    work = tmp_path / 'draws'
    tool('handsoff').main([
        str(tiny_experiment), '--work-dir', str(work), '--cfg-options', *TINY, 'draws=2',
        'real.labeled=2', 'benchmark.split=val'])
    out = capsys.readouterr().out
    assert (work / 'draw1' / 'labeled_ids.txt').read_text().split() == [
        'toy_000002', 'toy_000003']
    assert len(list((work / 'draw0' / 'labeled_latents' / 'latents').glob('*.npy'))) == 2
    results = (work / 'benchmark' / 'results_val.md').read_text()
    assert "Scored on split 'val': 2 real images" in results
    assert '| synthetic (HandsOff) (draw 1) | 2 | 1 |' in results
    assert '| all real labels (upper bound) | 6 | 1 |' in results
    table = (work / 'draws_val.md').read_text()
    assert '| arm | all runs | runs | draw0 | draw1 |' in table and '| full |' in table
    assert table in out and (work / 'prediction_sheet_val.png').is_file()
    assert ('== protocol: 2 disjoint draws of 2 labeled images x training seeds [0], scored on '
            'the real val split; draws_val.md') in out
    assert not (work / 'benchmark' / 'results.md').exists() and not (work / 'draws.md').exists()

    ckpts = {p: p.stat().st_mtime_ns for p in (work / 'benchmark').rglob('iter_*.pth')}
    assert len(ckpts) == 5  # synthetic and few-shot x 2 draws + the full arm, one seed
    tool('handsoff').main([
        str(tiny_experiment), '--work-dir', str(work), '--cfg-options', *TINY, 'draws=2',
        'real.labeled=2'])
    assert {p: p.stat().st_mtime_ns for p in (work / 'benchmark').rglob('iter_*.pth')} == ckpts
    results = (work / 'benchmark' / 'results.md').read_text()
    assert "Scored on split 'test': 3 real images" in results
    assert "split 'test'" in (work / 'draws.md').read_text()
    run = work / 'benchmark' / 'all real labels (upper bound)' / 'seed0'
    val, test = (json.loads((run / f).read_text()) for f in ('result_val.json', 'result.json'))
    assert (val['num_test_images'], test['num_test_images']) == (2, 3)


def test_random_config_f_256_experiment_builds(repo_root):
    """The 256 px experiment (not run here: minutes on a CPU) reads, and each stage's config
    builds with its settings; its generator is config-f at 256 px."""
    from mmdsgan.utils.config import load_config
    cfg = load_experiment(
        str(repo_root / 'configs/experiments/handsoff_random-config-f-256_toy-faces-256x256.py'))
    kwargs = cfg.generator.kwargs
    assert kwargs.img_resolution == 256 and kwargs.w_dim == 512
    assert kwargs.synthesis_kwargs.channel_base == 32768
    assert cfg.real.labeled == 4 and '--size' in cfg.prepare[0].args
    for stage in ('encoder', 'inversion', 'interpreter'):
        stage_cfg = load_config(str(repo_root / cfg[stage].config),
                                flat_options(cfg[stage].cfg_options))
        assert stage_cfg.model is not None
    assert cfg.interpreter.cfg_options['train_cfg.max_iters'] == 5


def test_invert_ids_selection(tmp_path, tool):
    """tools/invert.py --ids: a file or a comma list of sample ids, checked against the split."""
    select = tool('invert')._selected_ids
    assert select(None, ['a', 'b'], 'DATA', 'train') is None
    assert select('b, a', ['a', 'b', 'c'], 'DATA', 'train') == {'a', 'b'}
    ids = tmp_path / 'ids.txt'
    ids.write_text('c\n\nb\n')
    assert select(str(ids), ['a', 'b', 'c'], 'DATA', 'train') == {'b', 'c'}
    with pytest.raises(ConfigError, match="not in split 'train' of DATA, e.g. 'z'"):
        select('a,z', ['a', 'b'], 'DATA', 'train')


@pytest.mark.slow
def test_handsoff_datasetgan_annotations(tiny_experiment, tmp_path, repo_root, tiny_generator_64,
                                         tool):
    """annotations=DIR (DatasetGAN flow): no encoder or inversion; the painted masks are
    checked and imported, the interpreter trains on them, the arms run as usual."""
    import numpy as np
    from PIL import Image

    ann = tmp_path / 'ann'
    tool('sample_for_annotation').main([
        str(repo_root / 'configs/interpreter/interpreter_ensemble10_toy-faces-64x64.py'),
        '--num', '3', '--out', str(ann),
        '--cfg-options', f'model.backbone.checkpoint={tiny_generator_64}'])
    rng = np.random.default_rng(0)
    for image in (ann / 'images').glob('*.png'):
        Image.fromarray(rng.integers(0, 7, (64, 64), dtype=np.uint8)).save(
            ann / 'masks' / image.name)
    work = tmp_path / 'dgan'
    tool('handsoff').main([
        str(tiny_experiment), '--work-dir', str(work), '--cfg-options', *TINY,
        f'annotations={ann}', 'benchmark.arms.synthetic_real=None'])
    records = sorted(p.stem for p in (work / 'stages').glob('*.json'))
    assert 'encoder' not in records and 'inversion_k3' not in records
    assert 'annotations' in records and 'interpreter_k3' in records
    assert len(list((ann / 'labels').glob('*.png'))) == 3
    md = (work / 'benchmark' / 'results.md').read_text()
    assert '| synthetic (HandsOff) |' in md and '| all real labels (upper bound) | 6 | 1 |' in md


def test_benchmark_arms_from_experiment(tmp_path, repo_root):
    """The arms the runner hands to tools/benchmark.py: placeholders filled, the transfer arm
    with its load_from (a missing file refused before any training), full supervision once."""
    from mmdsgan.pipeline import HandsOffPipeline
    from mmdsgan.utils.errors import MissingFileError

    pretrained = tmp_path / 'pretrained.pth'
    cfg = load_experiment(str(repo_root / TOY), {
        'benchmark.arms.transfer.enabled': True,
        'benchmark.arms.transfer.load_from': str(pretrained),
        'benchmark.arms.synthetic_real.enabled': True})
    pipeline = HandsOffPipeline(cfg, TOY, tmp_path / 'work', repo_root)
    pipeline.names['real_root'] = '/real'
    unit = dict(pipeline.labeled_sets([f'toy_{i:06d}' for i in range(200)],
                                      [f'toy_{i:06d}' for i in range(16)])[0],
                synthetic='/synth', ids_file='/ids.txt', latents='/latents')
    assert unit['tag'] == 'k16' and unit['dir'] == pipeline.work and unit['suffix'] == ''
    with pytest.raises(MissingFileError, match='transfer.load_from'):
        pipeline.benchmark_arms([unit], 200)
    pretrained.write_bytes(b'')
    arms = {a['kind']: a for a in pipeline.benchmark_arms([unit], 200)}
    assert list(arms) == ['synthetic', 'few_shot', 'transfer', 'synthetic_real', 'full']
    assert arms['transfer']['name'] == 'transfer (16 real, DeepLabV3-R50)'
    assert arms['transfer']['cfg_options']['load_from'] == str(pretrained)
    assert arms['few_shot']['cfg_options'] == {'train_dataloader.dataset.data_root': '/real',
                                               'train_dataloader.dataset.ann_file': '/ids.txt'}
    assert arms['synthetic']['cfg_options'] == {'train_dataloader.dataset.data_root': '/synth'}
    assert arms['full']['labeled_images'] == 200 and arms['full']['k'] is None
    ev = pipeline.evaluation_options()
    assert ev['test_dataloader']['_delete_'] and ev['test_dataloader']['dataset']['data_root'] \
        == '/real'


@pytest.mark.slow
def test_handsoff_depth_and_keypoints(tmp_path, repo_root, tiny_generator_64, tool, capsys):
    """`make demo-all`'s depth and keypoint experiments end to end: inversion with that label
    type, its interpreter and generated set, the arms scored by the experiment's metrics; the
    few-shot arm reads only the labeled faces (ann_file); no prediction sheet (seg only)."""
    handsoff = tool('handsoff')
    for task, header, ext in (
            ('depth', '| arm | labeled images | seeds | nmse | rmse | rmse_log |', '*.png'),
            ('keypoints', '| arm | labeled images | seeds | PCK@0.1 | PCK@0.05 | PCK@0.02 |',
             '*.json')):
        config = _tiny_experiment(tmp_path, repo_root, tiny_generator_64,
                                  f'configs/experiments/handsoff_toy-faces-{task}-64x64.py')
        work = tmp_path / task
        handsoff.main([str(config), '--work-dir', str(work), '--cfg-options', *TINY,
                       'benchmark.seeds=[0]'])
        out = capsys.readouterr().out
        assert f'--task {task}' in out
        md = (work / 'benchmark' / 'results.md').read_text()
        assert header in md and "Scored on split 'test': 3 real images" in md
        assert f'| {task}: synthetic (HandsOff) | 3 | 1 |' in md
        assert f'| {task}: 3 real labels only | 3 | 1 |' in md
        assert len(list((work / 'synthetic' / 'ann_dir' / 'train').glob(ext))) == 4
        assert json.loads((work / 'labeled_latents' / 'metainfo.json').read_text())['task'] == task
        assert not (work / 'prediction_sheet.png').exists()


def test_toy_task_dataset_reads_listed_ids(tmp_path, tool):
    """ann_file on the toy depth / keypoint datasets: the listed samples, in the file's order;
    an id not in the split is refused, naming the file."""
    from mmdsgan.datasets.toy_faces_dataset import (ToyFacesDepthDataset,
                                                    ToyFacesKeypointDataset)
    from mmdsgan.utils.errors import InputError
    from mmengine.registry import DefaultScope
    tool('make_toy_data').main([str(tmp_path / 'toy'), '--num', '4', '--split', 'train'])
    ids = tmp_path / 'ids.txt'
    ids.write_text('toy_000003\ntoy_000001\n')
    with DefaultScope.overwrite_default_scope('mmseg'):  # the pipeline's transforms
        for cls in (ToyFacesDepthDataset, ToyFacesKeypointDataset):
            kwargs = dict(pipeline=[dict(type='LoadDepthAnnotation', depth_rescale_factor=1e-3)]
                          ) if cls is ToyFacesDepthDataset else {}
            ds = cls(data_root=str(tmp_path / 'toy'), ann_file=str(ids), **kwargs)
            assert [osp.basename(ds.get_data_info(i)['img_path']) for i in range(len(ds))] == [
                'toy_000003.png', 'toy_000001.png']
            assert len(cls(data_root=str(tmp_path / 'toy'), **kwargs)) == 4
    ids.write_text('toy_000009\n')
    with pytest.raises(InputError, match="ids.txt: 1 sample id.*'toy_000009'"):
        ToyFacesKeypointDataset(data_root=str(tmp_path / 'toy'), ann_file=str(ids))


def test_stage_runner_measures_and_fails_clearly(tmp_path):
    """A stage's record holds its wall time and the peak memory of its own process (not the
    runner's, copied at fork); a failing command stops the run with its exit status."""
    from mmdsgan.pipeline import StageFailed, StageRunner
    script = tmp_path / 'grow.py'
    script.write_text('import sys\nblock = bytearray(int(sys.argv[1]) * 2 ** 20)\n'
                      'block[::4096] = b"x" * len(block[::4096])\nsys.exit(int(sys.argv[2]))\n')
    ballast = bytearray(300 * 2 ** 20)  # the runner's own memory must not count
    ballast[::4096] = b'x' * len(ballast[::4096])
    runner = StageRunner(tmp_path / 'work', 'exp.py', tmp_path)
    assert runner.run('grow', 'allocate 64 MiB', [script, 64, 0])
    record = json.loads((tmp_path / 'work' / 'stages' / 'grow.json').read_text())
    assert 64 < record['peak_rss_mb'] < 250, record['peak_rss_mb']
    assert runner.timings[0][0] == 'allocate 64 MiB' and runner.timings[0][2] > 64
    assert not list((tmp_path / 'work' / 'stages').glob('*.peak_rss'))
    assert not runner.run('grow', 'allocate 64 MiB', [script, 64, 0])  # done already
    with pytest.raises(StageFailed, match="stage 'fail' .* exit status 3"):
        runner.run('fail', 'exit 3', [script, 1, 3])
    assert not (tmp_path / 'work' / 'stages' / 'fail.json').exists()
    del ballast


def test_protocol_experiment_builds(repo_root):
    """Issue #15's protocol: 3 draws of 16 of 1000 training faces, 2 seeds, the synthetic +
    real arm on, the upper bound named by its 1000 faces; test by default, val on request."""
    cfg = load_experiment(str(repo_root / 'configs/experiments/'
                                          'handsoff-protocol_toy-faces-64x64.py'))
    assert cfg.draws == 3 and cfg.real.labeled == 16 and cfg.benchmark.seeds == [0, 1]
    assert cfg.prepare[0].args[cfg.prepare[0].args.index('--num') + 1] == '1000'
    on = {k for k, v in cfg.benchmark.arms.items() if v and v.get('enabled', True)}
    assert on == {'synthetic', 'few_shot', 'synthetic_real', 'full'}
    assert cfg.benchmark.split == 'test'
    # held-out faces that the demo's recipe was not tuned on: not the demo's test seeds
    demo = load_experiment(str(repo_root / 'configs/experiments/handsoff_toy-faces-64x64.py'))
    seeds = {c.prepare[2].args[-1] for c in (cfg, demo)}
    assert [c.prepare[2].name for c in (cfg, demo)] == ['test', 'test'] and len(seeds) == 2


def test_draws_sets_arms_and_table(tmp_path, repo_root):
    """draws=3: disjoint blocks of k ids, one folder and one arm per draw and kind (always
    named by its draw), the full arm once; the table pools draw x seed runs per kind. With
    benchmark.split='val' every arm is scored on the val split."""
    from mmdsgan.pipeline import HandsOffPipeline
    from mmdsgan.pipeline.draws import write_draws_table
    cfg = load_experiment(str(repo_root / TOY), {'draws': 3, 'real.labeled': 2,
                                                 'benchmark.split': 'val'})
    pipeline = HandsOffPipeline(cfg, TOY, tmp_path / 'work', repo_root)
    pipeline.names['real_root'] = '/real'
    ids = [f'toy_{i:06d}' for i in range(7)]
    sets = pipeline.labeled_sets(ids, ids[:2])
    assert [u['ids'] for u in sets] == [ids[0:2], ids[2:4], ids[4:6]]
    assert [u['dir'].name for u in sets] == ['draw0', 'draw1', 'draw2']
    with pytest.raises(ConfigError, match='draws=3 of real.labeled=2 images need 6'):
        pipeline.labeled_sets(ids[:5], ids[:2])
    for u in sets:
        u.update(synthetic=f'/s/{u["tag"]}', ids_file=f'/i/{u["tag"]}', latents='/l')
    arms = pipeline.benchmark_arms(sets, 7)
    names = [a['name'] for a in arms]
    assert names == ['synthetic (HandsOff) (draw 0)', 'synthetic (HandsOff) (draw 1)',
                     'synthetic (HandsOff) (draw 2)', '2 real labels only (draw 0)',
                     '2 real labels only (draw 1)', '2 real labels only (draw 2)',
                     'all real labels (upper bound)']
    ev = pipeline.evaluation_options()
    assert ev['test_dataloader'] == ev['val_dataloader']
    assert ev['test_dataloader']['dataset']['data_prefix']['img_path'] == 'img_dir/val'
    # The table: fake results, 2 seeds per run.
    bench = tmp_path / 'bench'
    for i, arm in enumerate(arms):
        for seed in (0, 1):
            run = bench / arm['name'] / f'seed{seed}'
            run.mkdir(parents=True)
            run.joinpath('result.json').write_text(json.dumps(dict(
                test_images_sha256='abc', metrics=dict(mIoU=10.0 * i + seed))))
    text = write_draws_table(arms, [0, 1], bench, tmp_path, ['mIoU'])
    assert '| arm | all runs | runs | draw0 | draw1 | draw2 |' in text
    # synthetic: draws 0, 1, 2 -> 0/1, 10/11, 20/21: mean 10.5, std sqrt(200/3 + 0.25)
    assert '| synthetic | 10.50 ± 8.18 | 6 | 0.50 | 10.50 | 20.50 |' in text, text
    assert '| full | 60.50 ± 0.50 | 2 | (any draw) | (any draw) | (any draw) |' in text
    assert (tmp_path / 'draws.md').read_text() == text
    bad = tmp_path / 'bad.py'
    bad.write_text(f"_base_ = ['{repo_root}/{TOY}']\ndraws = 2\nks = [4]\n")
    with pytest.raises(ConfigError, match='draws with ks'):
        load_experiment(str(bad))
