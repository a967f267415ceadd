"""The experiment config of ``tools/handsoff.py``: read it, check it, fill in its placeholders.

An experiment config names everything domain-specific of one HandsOff / DatasetGAN run (the
layout is documented in ``docs/pipeline.md``; ``configs/experiments/`` has examples)::

    generator = 'checkpoints/stylegan2-ffhq-512.pkl'
    prepare = []                  # optional commands that make the data: dict(name=, args=[...])
    real = dict(root='data/CelebAMask-HQ', format='celebamask-hq', split='train',
                task='seg',       # or 'depth', 'keypoints': the label type of every stage
                labeled=16,       # the first k samples of the split, or a list of sample ids
                select=None,      # 'k-center': choose the k from the split (encoder's W+)
                class_merge=None) # target class -> source classes (docs/real_datasets.md)
    annotations = None            # DatasetGAN flow: a painted tools/sample_for_annotation.py
                                  # folder instead of encoder + inversion
    evaluation = dict(config='configs/_base_/datasets/celebamask_hq_8.py', cfg_options={})
    encoder = dict(config=..., cfg_options={})
    inversion = dict(config=..., cfg_options={})
    interpreter = dict(config=..., cfg_options={})
    generation = dict(num=10000, batch_size=8, cfg_options={})
    benchmark = dict(seeds=[0], cfg_options={}, absent='nan', cross_validation=None,
                     metrics=None,  # depth / keypoints: the metrics to tabulate
                     split='test',  # 'val': score on the val split (choosing settings)
                     arms=dict(synthetic=..., few_shot=..., transfer=None,
                               synthetic_real=..., full=...))  # None or enabled=False: off
    ks = None                     # label-efficiency curve: e.g. [4, 8, 16] (labeled = max)
    draws = None                  # protocol: e.g. 3 disjoint sets of k labeled images, each
                                  # with its own inversion, interpreter, generated set and arms

Strings anywhere in ``prepare``, ``real.root``, ``annotations``, ``evaluation`` and the stages'
``cfg_options`` and arms may hold placeholders, filled in by the runner: ``{work_dir}``,
``{real_root}``, ``{generator}``, ``{labeled_ids}`` (a text file of the k labeled sample ids,
one per line), ``{labeled_latents}`` (the LabeledLatentDataset folder), ``{synthetic}`` (the
generated dataset) and ``{k}`` (the number of labeled images). A string that is one placeholder
alone becomes its value (``'{k}'`` -> 16, a number). Other braces are left alone.
"""
from __future__ import annotations

import re
from typing import Any, Mapping

from mmengine.config import Config

from mmdsgan.utils.config import load_config
from mmdsgan.utils.errors import ConfigError

__all__ = ['ARM_KINDS', 'PLACEHOLDERS', 'load_experiment', 'fill_placeholders']

#: The benchmark arms an experiment may switch on, in the order they run and are tabulated.
ARM_KINDS = ('synthetic', 'few_shot', 'transfer', 'synthetic_real', 'full')
#: The names ``{...}`` that the runner fills in.
PLACEHOLDERS = ('work_dir', 'real_root', 'generator', 'labeled_ids', 'labeled_latents',
                'synthetic', 'k')
_PATTERN = re.compile(r'\{(' + '|'.join(PLACEHOLDERS) + r')\}')
_STAGES = ('encoder', 'inversion', 'interpreter')


def load_experiment(path: str, cfg_options: dict | None = None) -> Config:
    """Read an experiment config (the one config loader), set defaults and check it; every
    problem is a :class:`ConfigError` naming the key."""
    cfg = load_config(path, cfg_options)
    for key in ('generator', 'real', 'evaluation', 'interpreter', 'generation', 'benchmark'):
        if cfg.get(key) is None:
            raise ConfigError(f'{path}: `{key}` is missing (docs/pipeline.md lists the keys of '
                              f'an experiment config)')
    gen = cfg.generator
    if not (isinstance(gen, str) or (isinstance(gen, dict)
                                     and isinstance(gen.get('kwargs'), dict))):
        raise ConfigError(f'{path}: generator must be a file path, or dict(kwargs=<Generator '
                          f'kwargs>, seed=0) for a random generator, got {gen!r}')
    cfg.setdefault('prepare', [])
    cfg.setdefault('annotations', None)
    cfg.setdefault('ks', None)
    cfg.setdefault('draws', None)
    real = cfg.real
    if not real.get('root'):
        raise ConfigError(f'{path}: real.root is missing: the folder of the real labeled data')
    for key, default in (('format', 'mmseg'), ('split', 'train'), ('task', 'seg'),
                         ('class_merge', None), ('labeled', None), ('select', None)):
        real.setdefault(key, default)
    if real.select not in (None, 'k-center'):
        raise ConfigError(f'{path}: real.select must be None (the first k, or your list) or '
                          f'\'k-center\' (chosen from the split), got {real.select!r}')
    from mmdsgan.tasks import task_names
    if real.task not in task_names():
        raise ConfigError(f'{path}: real.task={real.task!r}: not a label type; one of '
                          f'{list(task_names())}')
    labeled = real.labeled
    if not ((isinstance(labeled, int) and labeled > 0)
            or (isinstance(labeled, (list, tuple)) and labeled
                and all(isinstance(i, str) for i in labeled))):
        raise ConfigError(f'{path}: real.labeled must be a number k (the first k samples of '
                          f'the split) or a list of sample ids (file stems), got {labeled!r}')
    if cfg.ks is not None:
        ks = cfg.ks
        if (not isinstance(ks, (list, tuple)) or not ks
                or not all(isinstance(k, int) and k > 0 for k in ks)):
            raise ConfigError(f'{path}: ks must be a list of positive numbers, got {ks!r}')
        if len(set(ks)) != len(ks):
            raise ConfigError(f'{path}: ks {list(ks)} names a k twice')
        most = labeled if isinstance(labeled, int) else len(labeled)
        if max(ks) > most:
            raise ConfigError(f'{path}: ks {list(ks)} asks for {max(ks)} labeled images but '
                              f'real.labeled gives {most}')
    if cfg.draws is not None:
        if not isinstance(cfg.draws, int) or cfg.draws < 1:
            raise ConfigError(f'{path}: draws must be a number of disjoint labeled sets, got '
                              f'{cfg.draws!r}')
        if not isinstance(labeled, int):
            raise ConfigError(f'{path}: draws take real.labeled as a number k (each draw: the '
                              f'next k samples of the split), not a list of ids')
        if cfg.ks is not None or cfg.annotations is not None:
            raise ConfigError(f'{path}: draws with {"ks" if cfg.ks is not None else "annotations"}'
                              f': run them as separate experiments')
    if real.select and (not isinstance(labeled, int) or cfg.draws is not None
                        or cfg.annotations is not None):
        raise ConfigError(f'{path}: real.select chooses real.labeled=k images itself: give k as '
                          f'a number, without draws or annotations')
    if cfg.annotations is not None and cfg.ks is not None:
        raise ConfigError(f'{path}: ks with annotations: the label-efficiency curve needs one '
                          f'annotation folder per k, which the pipeline does not take yet; run '
                          f'one experiment per folder')
    if cfg.annotations is None:
        missing = [s for s in _STAGES if not (cfg.get(s) or {}).get('config')]
    else:
        missing = [s for s in ('interpreter',) if not cfg[s].get('config')]
    if missing:
        raise ConfigError(f'{path}: {", ".join(f"{s}.config" for s in missing)} missing')
    for stage in _STAGES + ('generation', 'evaluation'):
        if cfg.get(stage) is not None:
            cfg[stage].setdefault('cfg_options', {})
    if not cfg.evaluation.get('config'):
        raise ConfigError(f'{path}: evaluation.config is missing: a dataset config whose '
                          f'val_dataloader and test_dataloader read the real val and test '
                          f'splits (e.g. configs/_base_/datasets/*.py)')
    cfg.generation.setdefault('batch_size', 8)
    if not isinstance(cfg.generation.get('num'), int) or cfg.generation.num < 1:
        raise ConfigError(f'{path}: generation.num must be a positive number of samples')
    bench = cfg.benchmark
    for key, default in (('seeds', [0]), ('cfg_options', {}), ('absent', 'nan'),
                         ('cross_validation', None), ('arms', {}), ('metrics', None),
                         ('split', 'test')):
        bench.setdefault(key, default)
    if bench.split not in ('test', 'val'):
        raise ConfigError(f'{path}: benchmark.split must be \'test\' (the final table) or '
                          f'\'val\' (choosing settings), got {bench.split!r}')
    if real.task != 'seg' and not bench.metrics:
        raise ConfigError(f'{path}: real.task={real.task!r}: benchmark.metrics must name what '
                          f'the arms\' test_evaluator reports (e.g. [\'nmse\', \'rmse\'] for '
                          f'depth, [\'PCK@0.1\'] for keypoints); mIoU is segmentation\'s')
    unknown = sorted(set(bench.arms) - set(ARM_KINDS))
    if unknown:
        raise ConfigError(f'{path}: benchmark.arms: unknown arm(s) {unknown}; the arms are '
                          f'{list(ARM_KINDS)} (None or enabled=False switches one off)')
    arms = {kind: bench.arms[kind] for kind in ARM_KINDS
            if bench.arms.get(kind) and bench.arms[kind].get('enabled', True)}
    if not arms:
        raise ConfigError(f'{path}: benchmark.arms switches every arm off')
    for kind, arm in arms.items():
        if not arm.get('config'):
            raise ConfigError(f'{path}: benchmark.arms.{kind}.config is missing')
        arm.setdefault('name', kind)
        arm.setdefault('cfg_options', {})
    return cfg


def fill_placeholders(value: Any, names: Mapping[str, Any]) -> Any:
    """``value`` with every ``{name}`` of :data:`PLACEHOLDERS` replaced in its strings (dicts,
    lists and tuples walked); a placeholder that ``names`` does not give yet is an error."""
    if isinstance(value, str):
        whole = _PATTERN.fullmatch(value)
        if whole and names.get(whole.group(1)) is not None:
            return names[whole.group(1)]  # '{k}' alone stays a number

        def _one(match: re.Match) -> str:
            key = match.group(1)
            if names.get(key) is None:
                raise ConfigError(f'placeholder {{{key}}} in {value!r} is not known at this '
                                  f'stage of the pipeline')
            return str(names[key])
        return _PATTERN.sub(_one, value)
    if isinstance(value, Mapping):
        return {k: fill_placeholders(v, names) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(fill_placeholders(v, names) for v in value)
    return value
