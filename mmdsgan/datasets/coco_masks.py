"""COCO segmentations (polygons, RLE) to masks, and per-image class-index masks.

Masks are rasterised and decoded by ``pycocotools`` (the COCO reference implementation), never
by code of ours. What is ours is the check before it: pycocotools' C decoder trusts its input
(an RLE whose runs exceed its ``size`` is written past the end of the mask buffer; a polygon of
fewer than 3 points becomes a box), so :func:`check_segmentation` refuses, without
rasterising, what would otherwise turn silently into background or crash: a missing
``segmentation``, an empty polygon list, a polygon of fewer than 3 points (6 numbers) or an odd
count of numbers, an RLE whose string is not COCO's encoding, whose runs do not cover ``size``
exactly, or whose ``size`` is not the image's. (Checking the runs of a compressed string needs
its run lengths: :func:`decode_rle_string` reads them, pycocotools exposes no such call.)

Conventions (pycocotools'): a polygon ``[x0, y0, x1, y1, ...]`` is in pixel coordinates, its
edges rasterised as COCO does (a pixel is inside when its centre is, up to COCO's rounding of
the boundary); RLE ``{"size": [h, w], "counts": [...] or "<string>"}`` runs alternate 0 / 1
starting with 0, in column-major order; string counts use COCO's compressed encoding.

Class-index mask of an image (:func:`class_index_mask`): pixels outside every annotation are 0
(background); annotations are painted in decreasing order of their pixel count, so where they
overlap the smaller annotation wins (a face part drawn over the face); equal counts keep file
order, later on top. Categories map to classes through ``category_map`` (category id -> class
id; :mod:`~mmdsgan.datasets.real_labeled` builds it from names or ids).
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
from pycocotools import mask as coco_mask

from mmdsgan.utils.errors import MmdsganError

__all__ = ['CocoFormatError', 'rle_to_mask', 'decode_rle_string', 'check_segmentation',
           'annotation_mask', 'class_index_mask']

_FIX = 'fix or delete the annotation'


class CocoFormatError(MmdsganError, ValueError):
    """A COCO annotation cannot be read; the message names the file/annotation and the fix."""


def decode_rle_string(counts: str) -> list[int]:
    """COCO's compressed RLE string (pycocotools ``rleFrString``) -> run lengths, to check an
    RLE before pycocotools decodes it (module doc).

    Raises:
        CocoFormatError: a character outside COCO's RLE characters ``'0'`` .. ``'o'``, or a
            string that ends in the middle of a number.
    """
    runs: list[int] = []
    pos = 0
    while pos < len(counts):
        value, shift, more = 0, 0, True
        while more:
            if pos >= len(counts):
                raise CocoFormatError(
                    f'compressed RLE "counts" ends in the middle of a number (after {len(runs)} '
                    f'runs): the string is cut short; re-export the mask')
            chunk = ord(counts[pos]) - 48
            if not 0 <= chunk < 64:
                raise CocoFormatError(
                    f'compressed RLE "counts" holds {counts[pos]!r} at position {pos}, outside '
                    f"COCO's RLE characters '0'..'o': not a COCO RLE string; re-export the mask "
                    f'(pycocotools.mask.encode)')
            value |= (chunk & 0x1f) << shift
            more = bool(chunk & 0x20)
            pos += 1
            shift += 5
            if not more and chunk & 0x10:
                value |= -1 << shift  # sign extension
        if len(runs) > 2:
            value += runs[-2]
        runs.append(value)
    return runs


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float, np.number)) and not isinstance(value, (bool, np.bool_))


def _is_count(value: Any) -> bool:
    """A JSON integer (``4`` or ``4.0``), not negative."""
    return _is_number(value) and float(value).is_integer() and value >= 0


def _rle_size(rle: Mapping[str, Any]) -> tuple[int, int]:
    size = rle.get('size')
    if not (isinstance(size, (list, tuple)) and len(size) == 2 and all(map(_is_count, size))):
        raise CocoFormatError(f'RLE "size" {size!r} is not [height, width]; {_FIX}')
    return int(size[0]), int(size[1])


def _rle_runs(rle: Mapping[str, Any]) -> tuple[int, int, list[int]]:
    """Checked ``(height, width, runs)`` of an RLE dict."""
    height, width = _rle_size(rle)
    counts = rle.get('counts')
    if isinstance(counts, str):
        runs = decode_rle_string(counts)
    elif isinstance(counts, (list, tuple)) and all(_is_number(c) and float(c).is_integer()
                                                   for c in counts):
        runs = [int(c) for c in counts]
    else:
        raise CocoFormatError(f'RLE "counts" must be a COCO RLE string or a list of run '
                              f'lengths, not {type(counts).__name__}; {_FIX}')
    if min(runs, default=0) < 0:
        raise CocoFormatError(f'RLE has a negative run length ({min(runs)}): not a COCO RLE; '
                              f're-export the mask')
    if sum(runs) != height * width:
        raise CocoFormatError(f'RLE runs sum to {sum(runs)}, expected {height}x{width} = '
                              f'{height * width} (the pixels of its "size"); re-export the mask')
    return height, width, runs


def rle_to_mask(rle: Mapping[str, Any]) -> np.ndarray:
    """``{"size": [h, w], "counts": list or str}`` -> (h, w) bool, decoded by pycocotools.

    Raises:
        CocoFormatError: a malformed RLE (bad string, runs not covering ``size`` exactly).
    """
    height, width, _ = _rle_runs(rle)  # checked first: pycocotools trusts the runs
    counts = rle['counts']
    if isinstance(counts, str):
        coded = {'size': [height, width], 'counts': counts}
    else:  # uncompressed: pycocotools compresses it
        coded = coco_mask.frPyObjects({'size': [height, width],
                                       'counts': [int(c) for c in counts]}, height, width)
    return coco_mask.decode(coded).astype(bool)


def _check_rle_size(rle: Mapping[str, Any], height: int | None, width: int | None) -> None:
    rle_size = _rle_size(rle)
    if height is not None and rle_size != (height, width):
        raise CocoFormatError(f'RLE size {rle_size[0]}x{rle_size[1]} differs from the image '
                              f'{height}x{width} (height x width): the RLE belongs to another '
                              f'image or size; re-export it at the image size or fix the json')


def check_segmentation(segmentation: Any, height: int | None = None,
                       width: int | None = None) -> None:
    """Refuse a COCO ``segmentation`` that cannot give a true mask (rules in the module doc).

    Cheap: polygons are not rasterised, RLE strings are decoded to run lengths only.

    Args:
        segmentation: ``ann.get('segmentation')`` (None: the annotation has none).
        height, width: the image's size, to compare an RLE's ``size`` with (None: not checked).

    Raises:
        CocoFormatError: the problem and its fix (the caller adds the file and annotation).
    """
    if segmentation is None:
        raise CocoFormatError('no "segmentation" (polygons or RLE): draw the outline or '
                              'delete the annotation')
    if isinstance(segmentation, list):
        if not segmentation:
            raise CocoFormatError(f'empty "segmentation" list (no polygon); {_FIX}')
        if all(map(_is_number, segmentation)):
            raise CocoFormatError('"segmentation" is one flat list of numbers; COCO wants a list '
                                  'of polygons [[x0, y0, x1, y1, ...], ...]: wrap it in a list')
        for k, polygon in enumerate(segmentation):
            if not (isinstance(polygon, list) and all(map(_is_number, polygon))):
                raise CocoFormatError(f'polygon {k} is not a list of numbers x0, y0, x1, y1, '
                                      f'...; {_FIX}')
            if len(polygon) % 2:
                raise CocoFormatError(f'polygon {k} has an odd count of numbers ({len(polygon)})'
                                      f'; a polygon is x, y pairs x0, y0, x1, y1, ...: {_FIX}')
            if len(polygon) < 6:
                raise CocoFormatError(f'polygon {k} has {len(polygon) // 2} point(s); a polygon '
                                      f'needs at least 3 points (6 numbers): {_FIX}')
            if not np.isfinite(np.asarray(polygon, dtype=np.float64)).all():
                raise CocoFormatError(f'polygon {k} has a NaN or infinite coordinate; {_FIX}')
        return
    if isinstance(segmentation, Mapping) and 'counts' in segmentation:
        _check_rle_size(segmentation, height, width)
        _rle_runs(segmentation)
        return
    raise CocoFormatError(f'unknown segmentation {type(segmentation).__name__}: expected a list '
                          f'of polygons or an RLE dict with "size" and "counts"; {_FIX}')


def annotation_mask(segmentation: Any, height: int, width: int) -> np.ndarray:
    """A COCO ``segmentation`` (polygon list, RLE or uncompressed RLE) -> (H, W) bool.

    Raises:
        CocoFormatError: what :func:`check_segmentation` refuses.
    """
    if isinstance(segmentation, Mapping) and 'counts' in segmentation:
        _check_rle_size(segmentation, height, width)
        return rle_to_mask(segmentation)  # checks the runs
    check_segmentation(segmentation, height, width)  # a list of valid polygons from here
    polygons = [[float(v) for v in polygon] for polygon in segmentation]
    rles = coco_mask.frPyObjects(polygons, height, width)
    return coco_mask.decode(coco_mask.merge(rles)).astype(bool)  # parts of one object: union


def class_index_mask(annotations: Sequence[Mapping[str, Any]], height: int, width: int,
                     category_map: Mapping[int, int], source: str = '<annotations>'
                     ) -> np.ndarray:
    """The (H, W) uint8 class-index mask of one image's annotations (rule in the module doc).

    Args:
        annotations: the image's COCO annotations (``category_id``, ``segmentation``).
        category_map: category id -> class id (1 .. 254; 0 is background, 255 ignore).
        source: the file, for error messages.

    Raises:
        CocoFormatError: an annotation of a category missing from ``category_map``, or one
            whose segmentation :func:`check_segmentation` refuses (missing included).
    """
    painted = []  # (pixel count, file position, class id, mask)
    for k, ann in enumerate(annotations):
        category = ann.get('category_id')
        if category not in category_map:
            raise CocoFormatError(
                f'{source}: annotation {ann.get("id", k)} has category_id {category!r} missing '
                f'from the category map {dict(category_map)}; add it to '
                f'real_data.category_map in the config')
        try:
            mask = annotation_mask(ann.get('segmentation'), height, width)
        except (CocoFormatError, KeyError, TypeError, ValueError, IndexError,
                OverflowError) as err:
            raise CocoFormatError(f'{source}: annotation {ann.get("id", k)}: {err}') from err
        painted.append((int(mask.sum()), k, category_map[category], mask))
    label = np.zeros((height, width), dtype=np.uint8)
    for _, _, class_id, mask in sorted(painted, key=lambda item: (-item[0], item[1])):
        label[mask] = class_id
    return label
