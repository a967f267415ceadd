"""Check drawn masks and turn an annotation folder into a LabeledLatentDataset (step 2).

Usage:
    python tools/import_annotations.py DIR [--out OUT]

DIR is a folder written by ``tools/sample_for_annotation.py`` whose ``masks/<id>.png`` have
been drawn. Every mask is checked (present, same size as its image, a class-index PNG not RGB,
class ids within the classes); all problems are listed at once, naming the files, and nothing is
written. Otherwise ``labels/`` (and, with --out, a copy of latents/images/metainfo.json) is written.
Exit status 1 on problems.
"""
from __future__ import annotations

import argparse
import sys

from mmdsgan.datasets.annotation import AnnotationError, import_annotations
from mmdsgan.utils.errors import run_tool


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('dir', help='annotation folder (images/, latents/, masks/, metainfo.json)')
    parser.add_argument('--out', default=None, help='dataset folder to write (default: DIR)')
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        ids = import_annotations(args.dir, args.out)
    except AnnotationError as err:
        print(err, file=sys.stderr)
        return 1
    print(f'imported {len(ids)} masks: {args.out or args.dir} is a LabeledLatentDataset folder')
    return 0


if __name__ == '__main__':
    sys.exit(run_tool(main))
