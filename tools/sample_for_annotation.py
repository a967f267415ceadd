"""Sample generator images to annotate (DatasetGAN step 1).

Usage:
    python tools/sample_for_annotation.py CONFIG --num 16 --out DIR [--seed 0]
        [--cfg-options KEY=VALUE ...]

CONFIG is an interpreter config: ``model.backbone`` gives the generator checkpoint and the
truncation (``truncation_psi``, ``truncation_cutoff``), ``annotation`` the ``classes`` and
``palette``. Writes DIR/images/<id>.png, DIR/latents/<id>.npy (w+ after truncation: the exact
image is reproducible), DIR/palette.png, DIR/classes.txt, DIR/metainfo.json and an empty
DIR/masks/ with a README. Draw the masks, then run ``tools/import_annotations.py DIR``.
"""
from __future__ import annotations

import argparse
import json
import sys

import mmdsgan  # noqa: F401  registers the modules
from mmdsgan.datasets.annotation import render_images, sample_latents, write_annotation_folder
from mmdsgan.datasets.synthetic.sample_files import sample_id
from mmdsgan.models.generators import Generator
from mmdsgan.utils.cli import add_config_args, config_from_args
from mmdsgan.utils.errors import ConfigError, run_tool
from mmdsgan.utils.io import sha256_file


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_config_args(parser, launcher=False)
    parser.add_argument('--num', type=int, default=16, help='images to sample (default 16)')
    parser.add_argument('--out', required=True, help='folder to write')
    parser.add_argument('--seed', type=int, default=0, help='first seed; image i uses seed+i')
    parser.add_argument('--force', action='store_true',
                        help='write into --out even if it holds other files or another sample '
                        '(never over painted masks)')
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> list[str]:
    args = parse_args(argv)
    cfg = config_from_args(args)
    from mmseg.registry import MODELS

    annotation = cfg.get('annotation')
    if not annotation or 'classes' not in annotation:
        raise ConfigError(f'{args.config}: needs annotation=dict(classes=[...], palette=[...]) '
                          f'naming the classes to draw')
    backbone_cfg = cfg.model.backbone
    # With a crop (LSUN-car's 512x384 window) or another output grid, the images to paint are
    # the interpreter's frame of the generator's images: the ones it labels.
    frame = None
    if cfg.model.get('crop') is not None or cfg.model.get('out_size') is not None:
        model = MODELS.build(cfg.model)
        backbone, frame = model.backbone, model.crop_images
    else:
        backbone = MODELS.build(backbone_cfg)
    generator = next((m for m in backbone.modules() if isinstance(m, Generator)), None)
    if generator is None:
        raise TypeError(f'{args.config}: model.backbone ({backbone_cfg.type}) holds no StyleGAN2 '
                        f'Generator to sample from')
    ws = sample_latents(generator, args.num, args.seed,
                        backbone_cfg.get('truncation_psi', 1.0),
                        backbone_cfg.get('truncation_cutoff', None))  # (num, num_ws, w_dim)
    images = render_images(generator, ws, frame=frame)
    ids = write_annotation_folder(
        args.out, images, ws.cpu().numpy(), annotation['classes'], annotation['palette'],
        ids=[sample_id(s) for s in range(args.seed, args.seed + args.num)],
        task=annotation.get('task', 'seg'), force=args.force, made_by=dict(
            generator=_generator_identity(backbone_cfg), seeds=[args.seed, args.seed + args.num],
            truncation_psi=backbone_cfg.get('truncation_psi', 1.0),
            truncation_cutoff=backbone_cfg.get('truncation_cutoff', None)))
    print(f'wrote {len(ids)} images to {args.out}/images; draw {args.out}/masks/<id>.png '
          f'(see {args.out}/masks/README.md), then: python tools/import_annotations.py '
          f'{args.out}')
    return ids


def _generator_identity(backbone_cfg) -> dict:
    """The generator by content: its file's SHA-256, or the kwargs and seed of a random one."""
    path = backbone_cfg.get('checkpoint')
    if path:
        return dict(sha256=sha256_file(path))
    return dict(kwargs=json.loads(json.dumps(backbone_cfg.get('generator'), default=str)),
                generator_seed=backbone_cfg.get('generator_seed', 0))


if __name__ == '__main__':
    sys.exit(run_tool(main))
