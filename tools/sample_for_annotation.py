"""Sample generator images to annotate (DatasetGAN step 1).

Usage:
    python tools/sample_for_annotation.py CONFIG --num 16 --out DIR [--seed 0]
        [--cfg-options KEY=VALUE ...]

CONFIG is an interpreter config: ``model.backbone`` gives the generator checkpoint and the
truncation (``truncation_psi``, ``truncation_cutoff``), ``annotation`` the ``classes`` and
``palette``. Writes DIR/images/<id>.png, DIR/latents/<id>.npy (w+ after truncation: the exact
image is reproducible), DIR/palette.png, DIR/classes.txt, DIR/meta.json and an empty
DIR/masks/ with a README. Draw the masks, then run ``tools/import_annotations.py DIR``.
"""
from __future__ import annotations

import argparse

import mmdsgan  # noqa: F401  registers the modules
from mmdsgan.datasets.annotation import render_images, sample_latents, write_annotation_folder
from mmdsgan.models.generators import Generator
from mmdsgan.utils.cli import add_config_args, load_config


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_config_args(parser, launcher=False)
    parser.add_argument('--num', type=int, default=16, help='images to sample (default 16)')
    parser.add_argument('--out', required=True, help='folder to write')
    parser.add_argument('--seed', type=int, default=0, help='first seed; image i uses seed+i')
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> list[str]:
    args = parse_args(argv)
    cfg = load_config(args)
    from mmseg.registry import MODELS

    annotation = cfg.get('annotation')
    if not annotation or 'classes' not in annotation:
        raise KeyError(f'{args.config}: needs annotation=dict(classes=[...], palette=[...]) '
                       f'naming the classes to draw')
    backbone_cfg = cfg.model.backbone
    backbone = MODELS.build(backbone_cfg)
    generator = next((m for m in backbone.modules() if isinstance(m, Generator)), None)
    if generator is None:
        raise TypeError(f'{args.config}: model.backbone ({backbone_cfg.type}) holds no StyleGAN2 '
                        f'Generator to sample from')
    ws = sample_latents(generator, args.num, args.seed,
                        backbone_cfg.get('truncation_psi', 1.0),
                        backbone_cfg.get('truncation_cutoff', None))  # (num, num_ws, w_dim)
    images = render_images(generator, ws)
    ids = write_annotation_folder(
        args.out, images, ws.cpu().numpy(), annotation['classes'], annotation['palette'],
        ids=[f'seed{s:04d}' for s in range(args.seed, args.seed + args.num)],
        task=annotation.get('task', 'seg'))
    print(f'wrote {len(ids)} images to {args.out}/images; draw {args.out}/masks/<id>.png '
          f'(see {args.out}/masks/README.md), then: python tools/import_annotations.py '
          f'{args.out}')
    return ids


if __name__ == '__main__':
    main()
