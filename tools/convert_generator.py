"""Convert a StyleGAN2 generator file (NVIDIA .pkl, rosinality .pt, mmdsgan) to mmdsgan's format.

Usage:
    python tools/convert_generator.py IN OUT [--force]

The input format is detected from the content; nothing in the input is executed (NVIDIA pickles
are read with an allowlisted unpickler, torch files with ``weights_only=True``). OUT loads with
``mmdsgan.models.generators.load_generator`` and ``torch.load(OUT, weights_only=True)``.
"""
from __future__ import annotations

import argparse
import os.path as osp
import sys

from mmdsgan.datasets.folder_claim import FolderClaimError
from mmdsgan.models.generators import build_generator, read_generator_checkpoint, save_generator
from mmdsgan.utils.errors import run_tool


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('input', help='generator file: NVIDIA .pkl, rosinality .pt or mmdsgan')
    parser.add_argument('output', help='where to write the mmdsgan-format file')
    parser.add_argument('--force', action='store_true', help='replace OUTPUT if it exists')
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> str:
    """Convert and print a summary; returns the summary text."""
    args = parse_args(argv)
    if osp.exists(args.output) and not args.force:
        raise FolderClaimError(f'convert_generator: {args.output} exists; choose another '
                               f'output or pass --force to replace it')
    ckpt = read_generator_checkpoint(args.input)
    G = build_generator(ckpt, args.input)
    save_generator(G, args.output)
    num_params = sum(p.numel() for p in G.parameters())
    lines = [
        f'read {args.input} ({ckpt.format} format)',
        f'generator: {G.img_resolution}px, z_dim={G.z_dim}, w_dim={G.w_dim}, c_dim={G.c_dim}, '
        f'num_ws={G.num_ws}, {num_params / 1e6:.2f}M parameters, '
        f'{len(G.state_dict())} tensors',
        f'init_kwargs: {G.init_kwargs}',
        f'feature layers: {len(G.feature_channels)}, {sum(G.feature_channels)} channels in all',
        *[f'note: {note}' for note in ckpt.notes],
        f'wrote {args.output}',
    ]
    summary = '\n'.join(lines)
    print(summary)
    return summary


if __name__ == '__main__':
    sys.exit(run_tool(main))
