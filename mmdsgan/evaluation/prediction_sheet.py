"""A sheet of test predictions side by side: image | ground truth | each arm, one row per image.

It is what people look at first after the table. It reads a finished segmentation benchmark
(:mod:`.benchmark`): its spec gives the arms, the shared options and the work dir. Each arm's run
of one seed is rebuilt with the benchmark's own config rule, so the test split and the model are
exactly those that were scored, and loaded from its last checkpoint. The first ``num`` images of
that test split (in the dataset's order, the same images for every arm) are pushed through the
test pipeline and ``model.test_step``, as ``tools/test.py`` does. Predictions are at the image's
original size. Labels are drawn in the dataset's palette; ignored ground-truth pixels are white.
"""
from __future__ import annotations

import textwrap
from pathlib import Path
from typing import List

import numpy as np
from mmengine.config import Config

from mmdsgan.datasets.real_labeled import read_rgb
from mmdsgan.utils.errors import ConfigError, MissingFileError
from mmdsgan.utils.io import atomic_write_with

__all__ = ['write_prediction_sheet', 'arm_predictions']

def arm_predictions(spec: Config, arm: dict, seed: int, num: int):
    """``(test dataset, [(H, W) int prediction of each of its first num images])`` of one
    arm's run with ``seed``."""
    from mmengine.dataset import pseudo_collate
    from mmengine.registry import init_default_scope
    from mmengine.runner import load_checkpoint
    from mmseg.registry import DATASETS, MODELS

    from .benchmark import _arm_config, result_file
    run_dir = Path(spec.work_dir) / arm['name'] / f'seed{seed}'
    pointer = run_dir / 'last_checkpoint'
    if not result_file(run_dir, spec.get('split', 'test')).is_file() or not pointer.is_file():
        raise MissingFileError(f'{run_dir}: no finished run of arm {arm["name"]!r} with seed '
                               f'{seed}; run the benchmark first (tools/benchmark.py)')
    cfg = _arm_config(spec, arm, seed, run_dir)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    model = MODELS.build(cfg.model)
    load_checkpoint(model, pointer.read_text().strip(), map_location='cpu', logger='silent')
    model.eval()
    preds = []
    for i in range(min(num, len(dataset))):
        out = model.test_step(pseudo_collate([dataset[i]]))[0]
        preds.append(out.pred_sem_seg.data[0].cpu().numpy())
    return dataset, preds


def write_prediction_sheet(spec: Config, out: str | Path, num: int = 6,
                           seed: int | None = None) -> Path:
    """Draw the sheet of a finished benchmark ``spec`` into ``out`` (a PNG, written atomically).

    Args:
        spec: the benchmark spec (:func:`~.benchmark.load_spec`); segmentation arms only.
        out: the PNG file.
        num: rows: the first ``num`` test images.
        seed: whose runs to show (default the spec's first seed).

    Returns:
        ``out``: ``num`` rows by ``2 + len(arms)`` columns, 170 px each.
    """
    if spec.get('metrics'):
        raise ConfigError('the prediction sheet draws segmentation arms; this benchmark spec '
                          f'names metrics {list(spec.metrics)} of another label type')
    seed = spec.seeds[0] if seed is None else seed
    arms: List[dict] = list(spec.arms)
    columns, dataset = [], None
    for arm in arms:
        dataset, preds = arm_predictions(spec, arm, seed, num)
        columns.append(preds)
    num = len(columns[0])
    rows = []
    palette = _palette(dataset)
    for i in range(num):
        info = dataset.get_data_info(i)
        image = read_rgb(info['img_path'])
        gt = dataset[i]['data_samples'].gt_sem_seg.data[0].numpy()
        cells = [image, _colour(gt, palette, dataset.ignore_index)]
        cells += [_colour(col[i], palette, dataset.ignore_index) for col in columns]
        rows.append(cells)
    titles = ['image', 'ground truth', *[a['name'] for a in arms]]
    return _draw(rows, titles, Path(out), f'test images 1-{num} of {len(dataset)}, seed {seed}')


def _palette(dataset) -> np.ndarray:
    palette = dataset.metainfo.get('palette')
    classes = dataset.metainfo.get('classes') or ()
    if not palette or len(palette) < len(classes):
        rng = np.random.default_rng(0)
        palette = rng.integers(0, 256, (max(len(classes), 1), 3))
    return np.asarray(palette, dtype=np.uint8)


def _colour(label: np.ndarray, palette: np.ndarray, ignore_index: int) -> np.ndarray:
    label = np.asarray(label, dtype=np.int64)
    out = np.full((*label.shape, 3), 255, dtype=np.uint8)  # ignored / unknown: white
    known = (label >= 0) & (label < len(palette)) & (label != ignore_index)
    out[known] = palette[label[known]]
    return out


def _draw(rows: List[List[np.ndarray]], titles: List[str], out: Path, caption: str) -> Path:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    n_rows, n_cols = len(rows), len(titles)
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(1.7 * n_cols, 1.7 * n_rows + 0.4),
                             squeeze=False)
    for r, cells in enumerate(rows):
        for c, cell in enumerate(cells):
            ax = axes[r][c]
            ax.imshow(cell, interpolation='nearest')
            ax.set_xticks([])
            ax.set_yticks([])
            if r == 0:
                ax.set_title(textwrap.fill(titles[c], 24), fontsize=7)
    fig.suptitle(caption, fontsize=8)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_with(out, lambda f: fig.savefig(f, format='png', dpi=100))
    plt.close(fig)
    return out
