"""Contact sheet and uncertainty histogram of a generated dataset.

Usage:
    python tools/visualize_dataset.py DIR [--out PNG] [--num 8] [--keep-ratio 0.9]

DIR is a folder written by ``tools/generate_dataset.py``. The contact sheet (default
``DIR/contact_sheet.png``) has one row per sample: image, label overlay, per-pixel uncertainty;
the first half of the rows are the least uncertain samples, the second half the most uncertain
ones (by the manifest's per-image score). The histogram of all scores, with the cut that
``--keep-ratio`` would apply, goes next to it as ``<out stem>_hist.png``.
"""
from __future__ import annotations

import argparse
import sys
import os.path as osp

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from mmdsgan.datasets.synthetic.manifest import filter_manifest, read_manifest  # noqa: E402
from mmdsgan.datasets.synthetic.sample_files import decode_uncertainty  # noqa: E402
from mmdsgan.datasets.synthetic.synthetic_seg_dataset import read_synthetic_metainfo  # noqa
from mmdsgan.utils.errors import InputError, run_tool  # noqa: E402

OVERLAY_ALPHA = 0.5


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('dir', help='generated dataset folder')
    parser.add_argument('--out', help='contact sheet PNG (default DIR/contact_sheet.png)')
    parser.add_argument('--num', type=int, default=8,
                        help='rows: half least, half most uncertain (default 8)')
    parser.add_argument('--keep-ratio', type=float, default=0.9,
                        help='filtering cut drawn on the histogram (default 0.9)')
    return parser.parse_args(argv)


def pick_extremes(records: list[dict], num: int) -> list[dict]:
    """The ``num // 2`` least and ``num - num // 2`` most uncertain records (each once)."""
    ranked = sorted(records, key=lambda r: (r['score'], r['id']))
    if len(ranked) <= num:
        return ranked
    return ranked[:num // 2] + ranked[len(ranked) - (num - num // 2):]


def overlay(image: np.ndarray, label: np.ndarray, palette: list[list[int]]) -> np.ndarray:
    """(H, W, 3) uint8 image blended with the palette colours of (H, W) class ids."""
    colours = np.asarray(palette, dtype=np.float32)[np.clip(label, 0, len(palette) - 1)]
    return ((1 - OVERLAY_ALPHA) * image + OVERLAY_ALPHA * colours).round().astype(np.uint8)


def contact_sheet(root: str, records: list[dict], meta: dict, out: str) -> None:
    rows = len(records)
    fig, axes = plt.subplots(rows, 3, figsize=(7.5, 2.3 * rows + 0.6), squeeze=False,
                             layout='constrained')
    maps = {r['id']: _uncertainty(root, r) for r in records}
    vmax = max([m.max() for m in maps.values() if m is not None] + [1e-6])
    for row, record in zip(axes, records):
        image = np.asarray(Image.open(osp.join(root, record['img'])).convert('RGB'))
        label = np.asarray(Image.open(osp.join(root, record['ann'])))
        row[0].imshow(image)
        row[0].set_ylabel(f'{record["id"]}\nscore {record["score"]:.4f}', fontsize=8)
        row[1].imshow(overlay(image, label, meta['palette']))
        if maps[record['id']] is not None:
            shown = row[2].imshow(maps[record['id']], cmap='magma', vmin=0, vmax=vmax)
        else:
            row[2].text(0.5, 0.5, 'not saved', ha='center', va='center')
        for ax in row:
            ax.set_xticks([])
            ax.set_yticks([])
    for ax, title in zip(axes[0], ('image', 'label overlay', 'uncertainty')):
        ax.set_title(title, fontsize=9)
    if any(m is not None for m in maps.values()):
        fig.colorbar(shown, ax=axes, location='bottom', shrink=0.5, aspect=40,
                     label='per-pixel uncertainty (shared scale)')
    half = rows // 2
    fig.suptitle(f'{osp.basename(osp.abspath(root))}: {half} least (top) and {rows - half} '
                 f'most uncertain samples', fontsize=10)
    fig.savefig(out, dpi=100)
    plt.close(fig)


def histogram(records: list[dict], keep_ratio: float, out: str) -> None:
    scores = np.asarray([r['score'] for r in records])
    kept = filter_manifest(records, keep_ratio=keep_ratio)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.hist(scores, bins=min(50, max(5, len(scores) // 5)), color='tab:blue')
    if kept and len(kept) < len(records):
        cut = max(r['score'] for r in kept)
        ax.axvline(cut, color='tab:red', linestyle='--',
                   label=f'keep_ratio={keep_ratio}: {len(kept)}/{len(records)} kept')
        ax.legend(fontsize=8)
    ax.set_xlabel('per-image uncertainty score (mean of the top 10% pixels)')
    ax.set_ylabel('samples')
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


def _uncertainty(root: str, record: dict) -> np.ndarray | None:
    if not record.get('unc'):
        return None
    return decode_uncertainty(np.asarray(Image.open(osp.join(root, record['unc']))))


def main(argv: list[str] | None = None) -> tuple[str, str]:
    args = parse_args(argv)
    meta = read_synthetic_metainfo(args.dir)
    if meta.get('task', 'seg') != 'seg':
        raise InputError(f'{args.dir}: task {meta["task"]!r}; this tool draws segmentation sets')
    records = read_manifest(args.dir)
    if not records:
        raise InputError(f'{args.dir}: no finished sample in its manifest')
    out = args.out or osp.join(args.dir, 'contact_sheet.png')
    hist_out = osp.splitext(out)[0] + '_hist.png'
    contact_sheet(args.dir, pick_extremes(records, args.num), meta, out)
    histogram(records, args.keep_ratio, hist_out)
    print(f'wrote {out} and {hist_out}')
    return out, hist_out


if __name__ == '__main__':
    sys.exit(run_tool(main))
