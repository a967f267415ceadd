"""Opening PNG label files with one error style (shared by the tasks' readers)."""
from __future__ import annotations

import os.path as osp

from PIL import Image

from .base import LabelFileError

__all__ = ['open_png']


def open_png(path: str) -> Image.Image:
    """The decoded PNG at ``path``; :class:`LabelFileError` naming it when missing/unreadable."""
    if not osp.isfile(path):
        raise LabelFileError(f'{path} not found: the data lists this label file; add it or '
                             f'drop the sample')
    try:
        image = Image.open(path)
        image.load()
    except OSError as err:
        raise LabelFileError(f'{path} cannot be read as an image ({err}): re-export it as '
                             f'PNG') from err
    return image
