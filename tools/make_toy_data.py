"""Write the built-in toy domain (cartoon faces with part masks, depth and keypoints) to disk.

Usage:
    python tools/make_toy_data.py OUT_DIR --num 200 [--start-seed 0] [--size 64]
        [--split train] [--no-depth] [--no-keypoints] [--force] [--grid N [--grid-out PNG]]

Writes the MMSeg layout (``img_dir/<split>``, ``ann_dir/<split>``, ``depth_dir/<split>``,
``keypoints/<split>.json``, ``metainfo.json``; see ``docs/toy_domain.md``). Re-running the same
command skips the samples already written, so an interrupted run resumes. Use different
``--start-seed`` values for different splits, e.g.::

    python tools/make_toy_data.py data/toy_faces --num 200 --split train
    python tools/make_toy_data.py data/toy_faces --num 50 --start-seed 100000 --split val

``--grid N`` also writes a contact sheet of the first N samples (image | mask overlay with the
keypoints marked) to ``OUT_DIR/contact_sheet_<split>.png`` or ``--grid-out``.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Callable, List, Optional, Sequence

import numpy as np
from PIL import Image

from mmdsgan.datasets.toy_faces import TOY_FACE_PALETTE, toy_sample_id, write_toy_dataset
from mmdsgan.datasets.toy_faces.constants import MAX_SIZE, MIN_SIZE
from mmdsgan.utils.errors import run_tool


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('out_dir', help='dataset root (created if missing)')
    parser.add_argument('--num', type=int, required=True, help='number of samples to write')
    parser.add_argument('--start-seed', type=int, default=0,
                        help='seed of the first sample (default 0); sample i has seed '
                        'start_seed + i and id toy_<seed, 6 digits>')
    parser.add_argument('--size', type=int, default=64,
                        help=f'image side in pixels, {MIN_SIZE}..{MAX_SIZE} (default 64)')
    parser.add_argument('--split', default='train', help='split folder name (default train)')
    parser.add_argument('--no-depth', action='store_true', help='do not write depth_dir')
    parser.add_argument('--no-keypoints', action='store_true',
                        help='do not write keypoints/<split>.json')
    parser.add_argument('--force', action='store_true',
                        help='write into a folder that is not an earlier toy dataset of this '
                        'size, and re-render samples that already exist')
    parser.add_argument('--grid', type=int, default=0, metavar='N',
                        help='also write a contact sheet of the first N samples')
    parser.add_argument('--grid-out', default=None, metavar='PNG',
                        help='contact sheet path (default OUT_DIR/contact_sheet_<split>.png)')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the tool; returns the exit status (0 ok, 2 bad arguments or a refused folder)."""
    args = parse_args(argv)
    if args.num < 0 or args.grid < 0:
        return _fail('--num and --grid must be >= 0')
    update, finish = _progress(args.num)
    try:
        result = write_toy_dataset(
            args.out_dir, args.num, start_seed=args.start_seed, size=args.size, split=args.split,
            with_depth=not args.no_depth, with_keypoints=not args.no_keypoints,
            force=args.force, progress=lambda seed, written: update())
    except (FileExistsError, NotADirectoryError, ValueError) as err:
        return _fail(str(err))
    finish()
    print(f'{args.out_dir}: split {args.split!r}: wrote {len(result.written)} samples, kept '
          f'{len(result.skipped)} already complete')
    if args.grid:
        seeds = list(range(args.start_seed, args.start_seed + min(args.grid, args.num)))
        out = Path(args.grid_out or Path(args.out_dir) / f'contact_sheet_{args.split}.png')
        sheet = contact_sheet_from_dataset(Path(args.out_dir), args.split, seeds)
        out.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(sheet).save(out)
        print(f'contact sheet of {len(seeds)} samples: {out}')
    return 0


def _fail(message: str) -> int:
    print(f'make_toy_data.py: error: {message}', file=sys.stderr)
    return 2


def _progress(total: int) -> tuple[Callable[[], None], Callable[[], None]]:
    """(update, finish) callbacks: mmengine's ProgressBar when installed, else plain lines."""
    try:
        from mmengine.utils import ProgressBar
    except ImportError:
        ProgressBar = None
    if ProgressBar is not None and total > 0:
        bar = ProgressBar(total)
        return bar.update, lambda: print()
    done = [0]
    step = max(1, total // 10)

    def update() -> None:
        done[0] += 1
        if done[0] % step == 0 or done[0] == total:
            print(f'[{done[0]}/{total}]', flush=True)

    return update, lambda: None


def contact_sheet_from_dataset(root: Path, split: str, seeds: List[int]) -> np.ndarray:
    """Contact sheet (rows, cols) of written samples, read back from ``root``'s files."""
    images, masks, keypoints = [], [], []
    kp_path = root / 'keypoints' / f'{split}.json'
    by_seed = {}
    if kp_path.is_file():
        coco = json.loads(kp_path.read_text())
        by_seed = {a['image_id']: a['keypoints'] for a in coco['annotations']}
    for seed in seeds:
        name = toy_sample_id(seed) + '.png'
        images.append(np.asarray(Image.open(root / 'img_dir' / split / name).convert('RGB')))
        masks.append(np.asarray(Image.open(root / 'ann_dir' / split / name)))
        flat = by_seed.get(seed)
        keypoints.append(None if flat is None else np.asarray(flat, np.float32).reshape(-1, 3))
    return contact_sheet(images, masks, keypoints)


def contact_sheet(images: List[np.ndarray], masks: List[np.ndarray],
                  keypoints: Optional[List[Optional[np.ndarray]]] = None) -> np.ndarray:
    """Grid of tiles ``image | mask colour overlay`` (uint8 (rows, cols, 3)).

    Args:
        images: uint8 (H, W, 3) each.
        masks: uint8 (H, W) class ids each.
        keypoints: optional float (K, 3) ``x, y, visibility`` each; marked on the overlay
            (white = visible, red = hidden).
    """
    if not images:
        raise ValueError('contact_sheet: no samples to show')
    palette = np.asarray(TOY_FACE_PALETTE, np.float32)
    size = images[0].shape[0]
    scale = max(1, 128 // size)  # tiles at least 128 px high
    gap = 2
    tiles = []
    for i, (image, mask) in enumerate(zip(images, masks)):
        overlay = 0.45 * image.astype(np.float32) + 0.55 * palette[mask]  # (H, W, 3)
        pair = np.concatenate([image.astype(np.float32), overlay], axis=1)  # (H, 2W, 3)
        pair = pair.repeat(scale, axis=0).repeat(scale, axis=1)  # (sH, 2sW, 3)
        kps = keypoints[i] if keypoints is not None else None
        for x, y, vis in ([] if kps is None else kps.tolist()):
            if vis > 0:
                col = int(round((x + 0.5) * scale - 0.5)) + size * scale
                row = int(round((y + 0.5) * scale - 0.5))
                colour = (255, 255, 255) if vis == 2 else (255, 0, 0)
                pair[max(row - 1, 0):row + 2, max(col - 1, size * scale):col + 2] = colour
        tiles.append(pair)
    cols = math.ceil(math.sqrt(len(tiles) / 2))  # about square: each tile is 2:1
    rows = math.ceil(len(tiles) / cols)
    th, tw = tiles[0].shape[:2]
    sheet = np.full((rows * (th + gap) - gap, cols * (tw + gap) - gap, 3), 255, np.float32)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, cols)
        sheet[r * (th + gap):r * (th + gap) + th, c * (tw + gap):c * (tw + gap) + tw] = tile
    return np.clip(np.rint(sheet), 0, 255).astype(np.uint8)


if __name__ == '__main__':
    sys.exit(run_tool(main))
