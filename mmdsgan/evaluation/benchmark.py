"""Downstream benchmark: train each arm (config) for each seed with the MMEngine Runner, score it
on the same real test images, and tabulate mean ± std mIoU and per-class IoU.

A *spec* is an MMEngine config file::

    arms = [dict(name='synthetic', config='configs/downstream/...synth...py', labeled_images=16,
                 cfg_options=dict()),
            dict(name='few-shot', config='configs/downstream/...real16...py', labeled_images=16)]
    seeds = [0, 1, 2]
    cfg_options = dict()          # merged into every arm's config (data roots, iterations, ...)
    absent = 'nan'                # absent classes: 'nan' (MMSeg) or 'zero' (DatasetGAN)
    cross_validation = None       # or dict(folds=5, seed=0): DatasetGAN's protocol, below
    work_dir = 'work_dirs/benchmark'
    metrics = None                # or e.g. ['PCK@0.1', 'rmse']: other label types, below
    split = 'test'                # the name of the split that test_dataloader reads, below

Segmentation (``metrics=None``): every arm is scored by :class:`PerClassIoUMetric` and the table
has mean ± std mIoU and per-class IoU. Depth, keypoints or any other label type: with
``metrics`` set, every arm keeps its config's ``test_evaluator`` (``DepthErrorMetric``,
``PCKMetric``, ...) and the table has mean ± std of each named value (no cross-validation).

Without cross-validation each run is scored once, after training, on the whole test split.
With ``cross_validation=dict(folds=k)`` every saved checkpoint is scored, the test images are
split into k folds, and for each fold the checkpoint with the best mIoU on that fold is scored on
the other k-1 folds; the run's mIoU is the mean over folds. A run that finished has a
``result.json`` and is not run again; one that was interrupted resumes from its last checkpoint.

Scoring the same trained runs on another split: a spec whose ``test_dataloader`` reads the val
images says ``split='val'``; its runs share the run folders (and so the training) of the test
spec, and write ``result_val.json`` and ``results_val.md``/``.png`` beside ``result.json`` and
``results.md``. Choosing a recipe on val then costs one extra scoring pass, not a second
training. Each run folder records its training settings (``training.json``: everything but
the scored split); a folder trained with other settings is refused, never reused or mixed.
"""
from __future__ import annotations

import copy
import hashlib
import json
import math
import os.path as osp
import re
from pathlib import Path
from typing import Any, Dict, List

import numpy as np
from mmengine.config import Config

from mmdsgan.utils.config import load_config
from mmdsgan.utils.errors import ConfigError, MissingFileError
from mmdsgan.utils.io import atomic_write, atomic_write_with

__all__ = ['load_spec', 'run_benchmark', 'run_arm', 'write_report', 'split_suffix',
           'result_file', 'report_file']

# what a run's training does not depend on: the scored split and how it is scored
SCORING_KEYS = ('test_dataloader', 'test_evaluator', 'test_cfg')


def split_suffix(split: str) -> str:
    """What the files scored on ``split`` add to their name: nothing for test, ``_<split>``
    otherwise (``result_val.json``, ``results_val.md``, ``draws_val.md``, ...)."""
    return '' if split == 'test' else f'_{split}'


def result_file(run_dir: str | Path, split: str = 'test') -> Path:
    """A run's scores on ``split``: ``result.json`` (test) or ``result_<split>.json``."""
    return Path(run_dir) / f'result{split_suffix(split)}.json'


def report_file(out_dir: str | Path, split: str = 'test', ext: str = 'md') -> Path:
    """The benchmark's table (``ext='md'``) or plot (``'png'``) for ``split``."""
    return Path(out_dir) / f'results{split_suffix(split)}.{ext}'


def load_spec(path: str, cfg_options: dict | None = None) -> Config:
    """Read and check a benchmark spec (see the module docstring)."""
    if not osp.isfile(path):
        raise MissingFileError(f'benchmark spec not found: {path}')
    spec = load_config(path, cfg_options)
    arms = spec.get('arms')
    if not arms:
        raise ConfigError(f'{path}: `arms` is missing or empty; list dict(name=..., config=...)')
    names = [a.get('name') for a in arms]
    if None in names or len(set(names)) != len(names):
        raise ConfigError(f'{path}: every arm needs a unique `name`, got {names}')
    for arm in arms:
        if not osp.isfile(arm.get('config', '')):
            raise MissingFileError(f'{path}: arm {arm["name"]!r}: config not found: '
                                   f'{arm.get("config")}')
    spec.setdefault('seeds', [0])
    spec.setdefault('cfg_options', {})
    spec.setdefault('absent', 'nan')
    spec.setdefault('cross_validation', None)
    spec.setdefault('work_dir', osp.join('work_dirs', 'benchmark',
                                         osp.splitext(osp.basename(path))[0]))
    spec.setdefault('metrics', None)
    spec.setdefault('split', 'test')
    if not isinstance(spec.split, str) or not re.fullmatch(r'[A-Za-z0-9_-]+', spec.split):
        raise ConfigError(f"{path}: `split` names the scored split in file names (e.g. 'test', "
                          f"'val'), got {spec.split!r}")
    if spec.metrics is not None:
        if isinstance(spec.metrics, str) or not spec.metrics:
            raise ConfigError(f'{path}: `metrics` must be a non-empty list of metric names '
                              f"(e.g. ['PCK@0.1', 'rmse']) or None for segmentation, got "
                              f'{spec.metrics!r}')
        if spec.cross_validation:
            raise ConfigError(f'{path}: cross_validation chooses checkpoints by mIoU; it works '
                              f'with segmentation only (metrics=None)')
    return spec


def _arm_config(spec: Config, arm: dict, seed: int, run_dir: Path) -> Config:
    cfg = load_config(arm['config'])
    # deep copies: merging pops `_delete_` out of the option dicts, and the spec serves every
    # arm and seed (a replaced test_dataloader must be replaced for each of them)
    cfg.merge_from_dict(copy.deepcopy(dict(spec.cfg_options)))
    cfg.merge_from_dict(copy.deepcopy(dict(arm.get('cfg_options') or {})))
    cfg.work_dir = str(run_dir)
    cfg.experiment_name = f'{arm["name"]}_seed{seed}'
    cfg.randomness = dict(seed=seed)
    cv = spec.cross_validation
    if not spec.get('metrics'):  # segmentation; other label types keep their evaluator
        cfg.test_evaluator = dict(type='PerClassIoUMetric', absent=spec.absent,
                                  folds=cv['folds'] if cv else None,
                                  fold_seed=cv.get('seed', 0) if cv else 0)
    cfg.resume = True  # continues an interrupted run; starts fresh when there is no checkpoint
    cfg.load_from = cfg.get('load_from', None)
    return cfg


def _test_set_id(runner) -> dict:
    """Names and a hash of the test images, to check that every arm saw the same ones."""
    dataset = runner.test_dataloader.dataset
    names = sorted(osp.basename(dataset.get_data_info(i)['img_path'])
                   for i in range(len(dataset)))
    return dict(num_test_images=len(names),
                test_images_sha256=hashlib.sha256('\n'.join(names).encode()).hexdigest())


def run_arm(spec: Config, arm: dict, seed: int) -> Dict[str, Any]:
    """Train and score one arm with one seed; returns (and stores) its ``result.json``."""
    from mmengine.runner import Runner

    run_dir = Path(spec.work_dir) / arm['name'] / f'seed{seed}'
    out_file = result_file(run_dir, spec.split)
    if out_file.is_file():
        return json.loads(out_file.read_text())
    run_dir.mkdir(parents=True, exist_ok=True)
    _claim_run(run_dir, spec, arm, seed)
    runner = Runner.from_cfg(_arm_config(spec, arm, seed, run_dir))
    runner.train()  # a finished run resumes at its last iteration: nothing is trained again
    if spec.cross_validation:
        metrics = _cross_validated(runner, run_dir, spec.cross_validation['folds'])
    else:
        metrics = runner.test()
    result = dict(arm=arm['name'], seed=seed, config=arm['config'],
                  labeled_images=arm.get('labeled_images'), absent=spec.absent,
                  cross_validation=spec.cross_validation, metrics=_jsonable(metrics),
                  **_test_set_id(runner))
    if spec.get('metrics'):
        missing = [m for m in spec.metrics if m not in metrics]
        if missing:
            raise ConfigError(f'arm {arm["name"]!r}: its test_evaluator reported '
                              f'{sorted(metrics)}, not {missing} named by the spec\'s metrics')
    atomic_write(out_file, json.dumps(result, indent=2).encode())
    return result


def _claim_run(run_dir: Path, spec: Config, arm: dict, seed: int) -> None:
    """Record the run's training settings in ``training.json``, or refuse a folder that was
    trained with other ones (the scored split is not part of them)."""
    options = {k: v for k, v in dict(spec.cfg_options).items() if k not in SCORING_KEYS}
    settings = json.loads(json.dumps(dict(
        config=arm['config'], seed=seed, cfg_options=options,
        arm_cfg_options=dict(arm.get('cfg_options') or {}),
        cross_validation=spec.cross_validation), sort_keys=True, default=str))
    record = run_dir / 'training.json'
    if record.is_file():
        old = json.loads(record.read_text())
        if old != settings:
            changed = sorted(k for k in settings if old.get(k) != settings[k])
            raise ConfigError(f'{run_dir} was trained with other settings ({", ".join(changed)} '
                              'differ): use another work_dir, or delete that folder to train '
                              'it again')
        return
    atomic_write(record, json.dumps(settings, indent=2, sort_keys=True).encode())


def _cross_validated(runner, run_dir: Path, folds: int) -> Dict[str, float]:
    """Score every saved checkpoint; per fold pick the best on that fold, score on the rest."""
    ckpts = sorted(run_dir.glob('iter_*.pth'), key=lambda p: int(p.stem.split('_')[1]))
    if not ckpts:
        raise MissingFileError(f'cross-validation needs checkpoints in {run_dir}; set '
                               'default_hooks.checkpoint.interval below max_iters')
    scored = []
    for ckpt in ckpts:
        runner.load_checkpoint(str(ckpt))
        scored.append((ckpt.name, runner.test()))
    per_fold, chosen = [], []
    for f in range(folds):
        name, best = max(scored, key=lambda s: s[1][f'fold{f}.select_mIoU'])
        per_fold.append(best[f'fold{f}.eval_mIoU'])
        chosen.append(name)
    metrics = dict(scored[-1][1])  # per-class values of the last checkpoint, for reference
    metrics.update({'mIoU': float(np.mean(per_fold)), 'cv_fold_mIoU': per_fold,
                    'cv_chosen_checkpoints': chosen})
    return metrics


def _jsonable(metrics: dict) -> dict:
    return {k: (float(v) if isinstance(v, (int, float, np.floating)) else v)
            for k, v in metrics.items()}


def run_benchmark(spec: Config) -> List[Dict[str, Any]]:
    """Run (or reuse) every arm x seed, then write ``results.md`` and ``results.png``."""
    from mmengine.utils import ProgressBar

    jobs = [(arm, seed) for arm in spec.arms for seed in spec.seeds]
    bar = ProgressBar(len(jobs))
    results = []
    for arm, seed in jobs:
        results.append(run_arm(spec, arm, seed))
        bar.update()
    write_report(results, spec.work_dir, spec.get('metrics'), spec.split)
    return results


def _mean_std(values: List[float]) -> tuple[float, float]:
    arr = np.asarray(values, dtype=float)
    return float(np.nanmean(arr)), float(np.nanstd(arr)) if len(arr) > 1 else 0.0


def write_report(results: List[Dict[str, Any]], out_dir: str,
                 metrics: List[str] | None = None, split: str = 'test') -> str:
    """Write ``results.md`` (mean ± std mIoU, per-class IoU, labeled images, conventions) and
    a bar plot ``results.png`` (``results_<split>.*`` for another split); returns the markdown
    text. With ``metrics`` (other label types): mean ± std of those values instead
    (:func:`_metrics_report`)."""
    test_ids = {r['test_images_sha256'] for r in results}
    if len(test_ids) > 1:
        raise RuntimeError('the arms were scored on different test images '
                           f'({len(test_ids)} distinct test sets); give every arm the same '
                           'test_dataloader')
    if metrics:
        return _metrics_report(results, out_dir, list(metrics), split)
    arms = list(dict.fromkeys(r['arm'] for r in results))
    classes = [k[4:] for k in results[0]['metrics'] if k.startswith('IoU.')]
    rows, summary = [], {}
    for arm in arms:
        runs = [r for r in results if r['arm'] == arm]
        mean, std = _mean_std([r['metrics']['mIoU'] for r in runs])
        summary[arm] = (mean, std)
        per_class = [_mean_std([r['metrics'][f'IoU.{c}'] for r in runs])[0] for c in classes]
        rows.append(f"| {arm} | {runs[0].get('labeled_images', '')} | {len(runs)} | "
                    f"{mean:.2f} ± {std:.2f} | "
                    + ' | '.join('nan' if math.isnan(v) else f'{v:.2f}' for v in per_class)
                    + ' |')
    first = results[0]
    convention = ('absent classes count as 0 (DatasetGAN)' if first['absent'] == 'zero'
                  else 'absent classes are left out of the mean (MMSeg, NaN skipped)')
    protocol = (f"{first['cross_validation']['folds']}-fold cross-validation on the test "
                'images (best checkpoint chosen on one fold, scored on the others)'
                if first['cross_validation'] else f'final checkpoint, whole {split} split')
    text = '\n'.join([
        '# Downstream benchmark', '',
        f"Scored on split {split!r}: {first['num_test_images']} real images, the same for "
        f"every arm (sha256 of their names {first['test_images_sha256'][:12]}). IoU "
        f'accumulated over the split, background included; {convention}. Protocol: '
        f'{protocol}.', '',
        '| arm | labeled images | seeds | mIoU (mean ± std) | '
        + ' | '.join(classes) + ' |',
        '|---|---|---|---|' + '---|' * len(classes),
        *rows, ''])
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    atomic_write(report_file(out_dir, split), text.encode())
    _bar_plot(summary, report_file(out_dir, split, 'png'), split=split)
    return text


def _metrics_report(results: List[Dict[str, Any]], out_dir: str, metrics: List[str],
                    split: str) -> str:
    """``results.md``: per arm, mean ± std over seeds of each of ``metrics``; the plot shows
    the first one."""
    arms = list(dict.fromkeys(r['arm'] for r in results))
    rows, summary = [], {}
    for arm in arms:
        runs = [r for r in results if r['arm'] == arm]
        cells = []
        for i, name in enumerate(metrics):
            mean, std = _mean_std([r['metrics'][name] for r in runs])
            cells.append(f'{mean:.4g} ± {std:.2g}')
            if i == 0:
                summary[arm] = (mean, std)
        rows.append(f"| {arm} | {runs[0].get('labeled_images', '')} | {len(runs)} | "
                    + ' | '.join(cells) + ' |')
    first = results[0]
    text = '\n'.join([
        '# Downstream benchmark', '',
        f"Scored on split {split!r}: {first['num_test_images']} real images, the same for "
        f"every arm (sha256 of their names {first['test_images_sha256'][:12]}). Each value: "
        f'mean ± std over seeds of the final checkpoint on the whole {split} split, as its '
        'config\'s test_evaluator reports it.', '',
        '| arm | labeled images | seeds | ' + ' | '.join(metrics) + ' |',
        '|---|---|---|' + '---|' * len(metrics),
        *rows, ''])
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    atomic_write(report_file(out_dir, split), text.encode())
    _bar_plot(summary, report_file(out_dir, split, 'png'), metrics[0], split)
    return text


def _bar_plot(summary: Dict[str, tuple], path: Path, label: str = 'mIoU (%)',
              split: str = 'test') -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    names = list(summary)
    means = [summary[n][0] for n in names]
    stds = [summary[n][1] for n in names]
    fig, ax = plt.subplots(figsize=(1.6 + 1.4 * len(names), 3.6))
    bars = ax.bar(names, means, yerr=stds, capsize=4, color='#4c72b0')
    ax.set_ylabel(label)
    if label == 'mIoU (%)':
        ax.bar_label(bars, labels=[f'{m:.1f}' for m in means], padding=3)
        ax.set_ylim(0, max(100.0, max(means) + 10))
    else:
        ax.bar_label(bars, labels=[f'{m:.3g}' for m in means], padding=3)
    ax.set_title(f'Real {split} images')
    fig.tight_layout()
    atomic_write_with(path, lambda f: fig.savefig(f, format='png', dpi=120))
    plt.close(fig)
