"""The protocol table over draws of labeled images x training seeds: a margin that one lucky
draw cannot carry.

With ``draws=D`` the runner inverts, interprets and generates once per draw (disjoint sets of
k labeled images) and trains every arm of every draw with each seed; the full-supervision arm
does not depend on the draw and runs once per seed. ``draws.md`` has one row per arm kind: the
mean ± std (population) over all its draw x seed runs, the mean of each draw (over seeds), and
the number of runs; every run scored on the same images (checked by their hash).
"""
from __future__ import annotations

from pathlib import Path
from typing import Dict, List

import numpy as np

from mmdsgan.evaluation.benchmark import split_suffix
from mmdsgan.utils.io import atomic_write

from .label_efficiency import arm_results, mean_std, same_test_images

__all__ = ['write_draws_table']


def write_draws_table(arms: List[dict], seeds: List[int], bench_dir: str | Path,
                      out_dir: str | Path, metrics: List[str], split: str = 'test') -> str:
    """``arms``: dicts with ``name``, ``kind`` and ``unit`` (``draw<d>``, None for an arm that
    is the same for every draw). Writes ``out_dir/draws.md`` (``draws_<split>.md`` for another
    split than test); returns its text."""
    values: Dict[str, Dict[str, Dict[str | None, List[float]]]] = {}
    everything = []
    for arm in arms:
        results = arm_results(Path(bench_dir), arm, seeds, split)
        everything += results
        for metric in metrics:
            per_unit = values.setdefault(metric, {}).setdefault(arm['kind'], {})
            per_unit.setdefault(arm['unit'], []).extend(
                float(r['metrics'][metric]) for r in results)
    test_set = same_test_images(everything)
    units = sorted({a['unit'] for a in arms if a['unit'] is not None},
                   key=lambda u: int(u.removeprefix('draw')))
    lines = ['# Draws x seeds', '',
             f'Each labeled set (draw) has its own inversion, interpreter and generated set; '
             f'every arm trains with seeds {list(seeds)}. Mean ± std (population) over all '
             f'runs of an arm kind, then the mean of each draw over its seeds. Scored on split '
             f'{split!r}, the same images for every run (sha256 of their names '
             f'{test_set[:12]}).', '']
    for metric in metrics:
        lines += [f'## {metric}', '',
                  '| arm | all runs | runs | ' + ' | '.join(units) + ' |',
                  '|---|---|---|' + '---|' * len(units)]
        for kind, per_unit in values[metric].items():
            runs = np.asarray([v for vs in per_unit.values() for v in vs], dtype=float)
            std = float(np.nanstd(runs)) if len(runs) > 1 else 0.0
            if None in per_unit:  # the same for every draw
                cells = ['(any draw)'] * len(units)
            else:
                cells = [f'{float(np.nanmean(per_unit[u])):.2f}' if u in per_unit else ''
                         for u in units]
            lines.append(f'| {kind} | {mean_std(float(np.nanmean(runs)), std)} | {len(runs)} | '
                         + ' | '.join(cells) + ' |')
        lines.append('')
    text = '\n'.join(lines)
    out = Path(out_dir) / f'draws{split_suffix(split)}.md'
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(out, text.encode())
    return text
