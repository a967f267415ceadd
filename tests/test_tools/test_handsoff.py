"""tools/handsoff.py: one experiment config end to end (tiny settings, a tiny generator), its
stage records and refusals, and the experiment configs shipped in configs/experiments/."""
from __future__ import annotations

import json

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


@pytest.fixture
def tiny_experiment(tmp_path, repo_root, tiny_generator_64):
    """The toy experiment with the tiny generator and a tiny rendered domain (6 train images,
    3 of them labeled; 2 val, 3 test)."""
    path = tmp_path / 'handsoff_tiny.py'
    path.write_text(f"""
_base_ = ['{repo_root}/{TOY}']
generator = '{tiny_generator_64}'
prepare = [
    dict(name='train', args=['tools/make_toy_data.py', '{{work_dir}}/real', '--num', '6',
                             '--split', 'train', '--start-seed', '0']),
    dict(name='val', args=['tools/make_toy_data.py', '{{work_dir}}/real', '--num', '2',
                           '--split', 'val', '--start-seed', '100000']),
    dict(name='test', args=['tools/make_toy_data.py', '{{work_dir}}/real', '--num', '3',
                            '--split', 'test', '--start-seed', '200000']),
]
real = dict(labeled=3)
""")
    return path


def test_toy_experiment_builds(repo_root):
    cfg = load_experiment(str(repo_root / TOY))
    assert cfg.real.labeled == 16 and cfg.ks is None
    assert set(k for k, v in cfg.benchmark.arms.items() if v and v.get('enabled', True)) == {
        'synthetic', 'few_shot', 'synthetic_real', 'full'}
    assert cfg.benchmark.arms.transfer.enabled is False  # needs a pretrained file: opt in
    # The same stage settings as `make demo`'s config.
    from mmdsgan.utils.config import load_config
    demo = load_config(str(repo_root / 'configs/demo/handsoff_toy-faces-64x64.py'))
    for stage in ('encoder', 'inversion', 'interpreter'):
        assert cfg[stage].config == demo[stage].config
        assert dict(cfg[stage].cfg_options) == dict(demo[stage].cfg_options)
    assert cfg.generation.num == demo.generation.num
    assert dict(cfg.benchmark.cfg_options) == dict(demo.benchmark.cfg_options)


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


@pytest.mark.slow
def test_handsoff_end_to_end(tiny_experiment, tmp_path, tool, capsys):
    work = tmp_path / 'run'
    handsoff = tool('handsoff')
    handsoff.main([str(tiny_experiment), '--work-dir', str(work), '--cfg-options', *TINY])
    out = capsys.readouterr().out
    md = (work / 'benchmark' / 'results.md').read_text()
    for row in ('| synthetic (HandsOff) | 3 | 1 |', '| 3 real labels only | 3 | 1 |',
                '| synthetic + 3 real | 3 | 1 |', '| all real labels (upper bound) | 6 | 1 |'):
        assert row in md, md
    assert 'Test images: 3 real images' in md
    assert (work / 'labeled_ids.txt').read_text().split() == [
        'toy_000000', 'toy_000001', 'toy_000002']
    assert len(list((work / 'labeled_latents' / 'latents').glob('*.npy'))) == 3
    assert '$ python tools/invert.py' in out and '--ids' in out
    assert (work / 'contact_sheet.png').is_file()
    records = sorted(p.stem for p in (work / 'stages').glob('*.json'))
    assert records == ['benchmark', 'contact_sheet_k3', 'encoder', 'generation_k3',
                       'interpreter_k3', 'inversion_k3', 'prepare_test', 'prepare_train',
                       'prepare_val']

    # A second run skips every stage.
    handsoff.main([str(tiny_experiment), '--work-dir', str(work), '--cfg-options', *TINY])
    out = capsys.readouterr().out
    assert out.count('done already') == 9 and '$ python' not in out

    # Changed settings of one stage: refused, naming it; --force redoes it and what follows.
    more = [*TINY, 'generation.num=5']
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
    arm once; a table and plot of mIoU against k, every arm on the same test images."""
    work = tmp_path / 'curve'
    tool('handsoff').main([
        str(tiny_experiment), '--work-dir', str(work), '--cfg-options', *TINY, 'ks=[2,3]',
        'benchmark.arms.synthetic_real=None'])
    md = (work / 'label_efficiency.md').read_text()
    assert '| arm | k=2 | k=3 |' in md, md
    assert md.count('| synthetic |') == 1 and md.count('| few_shot |') == 1
    assert '(all 6)' in md and '| synthetic_real' not in md
    assert (work / 'label_efficiency.png').stat().st_size > 0
    assert (work / 'k2' / 'labeled_ids.txt').read_text().split() == ['toy_000000', 'toy_000001']
    assert len(list((work / 'k3' / 'labeled_latents' / 'latents').glob('*.npy'))) == 3
    results = (work / 'benchmark' / 'results.md').read_text()
    assert '| synthetic (HandsOff) (k=2) | 2 | 1 |' in results
    assert '| 3 real labels only | 3 | 1 |' in results


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
        'benchmark.arms.transfer.load_from': str(pretrained)})
    pipeline = HandsOffPipeline(cfg, TOY, tmp_path / 'work', repo_root)
    pipeline.names['real_root'] = '/real'
    synthetic = {16: ('/synth', '/ids.txt', '/latents')}
    with pytest.raises(MissingFileError, match='transfer.load_from'):
        pipeline.benchmark_arms([16], synthetic, 200)
    pretrained.write_bytes(b'')
    arms = {a['kind']: a for a in pipeline.benchmark_arms([16], synthetic, 200)}
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
