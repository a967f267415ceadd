"""The content window of a non-square generator inside its square frame (one rule for every
model that uses it: the interpreter and the inversion model).

NVIDIA's LSUN-car StyleGAN2 draws 512x384 cars in rows 64..448 of a 512x512 image (the rest is
the black padding of its training data); DatasetGAN and HandsOff label and save only that
window. A config states it once, as ``crop = dict(top=64, left=0, height=384, width=512)``.
"""
from __future__ import annotations

from typing import Any

import torch

from mmdsgan.utils.errors import ConfigError

__all__ = ['CROP_KEYS', 'parse_crop', 'crop_region', 'pad_into_frame']

CROP_KEYS = ('top', 'left', 'height', 'width')


def parse_crop(crop: Any, grid: tuple[int, int], setting: str = 'model.crop'
               ) -> tuple[int, int, int, int] | None:
    """``dict(top=, left=, height=, width=)`` -> ``(top, left, height, width)`` checked against
    the ``(H, W)`` grid it lies in; None -> None (the whole grid).

    Raises:
        ConfigError: one line naming ``setting``, the grid and the fix.
    """
    if crop is None:
        return None
    if not isinstance(crop, dict) or set(crop) != set(CROP_KEYS):
        raise ConfigError(f'{setting} must be dict(top=, left=, height=, width=) in the '
                          f'{grid[0]}x{grid[1]} grid, got {crop!r}')
    top, left, height, width = (int(crop[k]) for k in CROP_KEYS)
    if (top < 0 or left < 0 or height < 1 or width < 1 or top + height > grid[0]
            or left + width > grid[1]):
        raise ConfigError(f'{setting} {dict(crop)} does not fit the {grid[0]}x{grid[1]} grid '
                          f'(the generator\'s resolution, or model.out_size): fix the crop')
    return top, left, height, width


def crop_region(x: torch.Tensor, region: tuple[int, int, int, int] | None) -> torch.Tensor:
    """(..., H, W) -> (..., height, width): the window (the input itself without a region)."""
    if region is None:
        return x
    top, left, height, width = region
    return x[..., top:top + height, left:left + width]


def pad_into_frame(x: torch.Tensor, region: tuple[int, int, int, int] | None,
                   frame: tuple[int, int], value: float = -1.0) -> torch.Tensor:
    """(N, C, height, width) window images -> (N, C, H, W) frame images, the window at its place
    and ``value`` elsewhere (-1: black in [-1, 1], as HandsOff pads real cars)."""
    if region is None:
        return x
    top, left, height, width = region
    if tuple(x.shape[-2:]) != (height, width):
        raise ValueError(f'images of {tuple(x.shape[-2:])} do not match the crop window '
                         f'{height}x{width}')
    out = x.new_full((*x.shape[:-2], *frame), value)
    out[..., top:top + height, left:left + width] = x
    return out
