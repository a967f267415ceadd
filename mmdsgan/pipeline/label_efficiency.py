"""The label-efficiency curve: a metric (mIoU for segmentation) against the number of labeled
images, per arm kind.

Reads the ``result.json`` of every arm x seed that ``tools/benchmark.py`` wrote (one benchmark
with the arms of every k, so every arm is scored on the same test images: checked by the test-set
hash) and writes ``label_efficiency.md`` (rows: arm kinds, columns: k, mean ± std over
seeds) and ``label_efficiency.png`` (one line per kind; an arm without k, the full-supervision
upper bound, as a horizontal line).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List

import numpy as np

from mmdsgan.evaluation.benchmark import result_file, split_suffix
from mmdsgan.utils.errors import MissingFileError
from mmdsgan.utils.io import atomic_write, atomic_write_with

__all__ = ['write_label_efficiency', 'arm_results', 'same_test_images', 'mean_std']


def arm_results(bench_dir: Path, arm: dict, seeds: List[int], split: str = 'test') -> List[dict]:
    """The ``result.json`` (``result_<split>.json``) of each seed's run of ``arm`` (by its
    ``name``) in ``bench_dir``."""
    results = []
    for seed in seeds:
        path = result_file(Path(bench_dir) / arm['name'] / f'seed{seed}', split)
        if not path.is_file():
            raise MissingFileError(f'{path} is missing: run the benchmark first')
        results.append(json.loads(path.read_text()))
    return results


def same_test_images(results: List[dict]) -> str:
    """The test-set hash that every result shares (an error if they differ)."""
    hashes = {r['test_images_sha256'] for r in results}
    if len(hashes) > 1:
        raise RuntimeError('the arms were scored on different test images; give every arm '
                           'the same test_dataloader')
    return next(iter(hashes))


def write_label_efficiency(arms: List[dict], seeds: List[int], bench_dir: str | Path,
                           out_dir: str | Path, metric: str = 'mIoU',
                           split: str = 'test') -> str:
    """``arms``: dicts with ``name`` (the benchmark arm), ``kind`` and ``k`` (None: the same
    for every k); ``metric``: the key of each ``result.json``'s metrics to tabulate. Returns
    the markdown table."""
    bench_dir, out_dir = Path(bench_dir), Path(out_dir)
    cells: Dict[str, Dict[int | None, tuple]] = {}
    everything, labeled = [], {}
    for arm in arms:
        results = arm_results(bench_dir, arm, seeds, split)
        everything += results
        arr = np.asarray([r['metrics'][metric] for r in results], dtype=float)
        cells.setdefault(arm['kind'], {})[arm['k']] = (
            float(np.nanmean(arr)), float(np.nanstd(arr)) if len(arr) > 1 else 0.0)
        if arm['k'] is None:
            labeled[arm['kind']] = arm.get('labeled_images')
    test_set = same_test_images(everything)
    ks = sorted({arm['k'] for arm in arms if arm['k'] is not None})
    rows = []
    for kind, by_k in cells.items():
        if None in by_k:
            mean, std = by_k[None]
            row = [f'{mean_std(mean, std)} (all {labeled.get(kind)})'] * len(ks)
        else:
            row = [mean_std(*by_k[k]) if k in by_k else '' for k in ks]
        rows.append(f'| {kind} | ' + ' | '.join(row) + ' |')
    text = '\n'.join([
        '# Label efficiency', '',
        f'{metric} (mean ± std over {len(seeds)} seed(s)) on the same real test images for every '
        f'arm (sha256 of their names {test_set[:12]}), against k, the number of '
        'labeled real images; per-arm details in benchmark/results.md.', '',
        '| arm | ' + ' | '.join(f'k={k}' for k in ks) + ' |',
        '|---|' + '---|' * len(ks), *rows, ''])
    out_dir.mkdir(parents=True, exist_ok=True)
    tail = split_suffix(split)
    atomic_write(out_dir / f'label_efficiency{tail}.md', text.encode())
    _plot(cells, ks, out_dir / f'label_efficiency{tail}.png', metric)
    return text


def mean_std(mean: float, std: float) -> str:
    """Two decimals for scores in percent (mIoU, PCK), three for small errors (NMSE); the
    spread with the precision of its mean."""
    digits = 2 if abs(mean) >= 1 or mean == 0 else 3
    return f'{mean:.{digits}f} ± {std:.{digits}f}'


def _plot(cells: Dict[str, Dict], ks: List[int], path: Path, metric: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 3.8))
    for kind, by_k in cells.items():
        if None in by_k:
            ax.axhline(by_k[None][0], linestyle='--', color='grey', label=kind)
            continue
        xs = [k for k in ks if k in by_k]
        ax.errorbar(xs, [by_k[k][0] for k in xs], yerr=[by_k[k][1] for k in xs], marker='o',
                    capsize=3, label=kind)
    ax.set_xscale('log', base=2)
    ax.set_xticks(ks, [str(k) for k in ks])
    ax.set_xlabel('labeled real images (k)')
    ax.set_ylabel(metric)
    ax.set_title('Label efficiency (real test images)')
    ax.legend(fontsize=8)
    fig.tight_layout()
    atomic_write_with(path, lambda f: fig.savefig(f, format='png', dpi=120))
    plt.close(fig)
