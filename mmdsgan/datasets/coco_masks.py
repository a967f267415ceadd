"""COCO segmentations (polygons, RLE) to masks, and per-image class-index masks.

``pycocotools`` is used when installed; otherwise the built-in decoders below, which follow the
same conventions:

- A polygon ``[x0, y0, x1, y1, ...]`` covers pixel ``(row i, column j)`` when the pixel centre
  ``(j + 0.5, i + 0.5)`` lies inside it (even-odd rule), so a rectangle with corners on integer
  coordinates covers exactly its area (``[0, 0, 4, 0, 4, 2, 0, 2]``: 2 rows x 4 columns).
  pycocotools rasterises edges slightly differently (it may differ on boundary pixels).
- RLE ``{"size": [h, w], "counts": [...] or "<string>"}`` runs alternate 0 / 1 starting with 0,
  in column-major order; string counts use COCO's compressed encoding.

Class-index mask of an image (:func:`class_index_mask`): pixels outside every annotation are 0
(background); annotations are painted in decreasing order of their pixel count, so where they
overlap the smaller annotation wins (a face part drawn over the face); equal counts keep file
order, later on top. Categories map to classes through ``category_map`` (category id -> class
id; :mod:`~mmdsgan.datasets.real_labeled` builds it from names or ids).
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

__all__ = ['CocoFormatError', 'polygon_to_mask', 'rle_to_mask', 'decode_rle_string',
           'annotation_mask', 'class_index_mask']


class CocoFormatError(ValueError):
    """A COCO annotation cannot be read; the message names the file/annotation and the fix."""


def polygon_to_mask(polygon: Sequence[float], height: int, width: int) -> np.ndarray:
    """One polygon ``[x0, y0, x1, y1, ...]`` -> (H, W) bool, pixel centres inside (even-odd)."""
    points = np.asarray(polygon, dtype=np.float64).reshape(-1, 2)
    mask = np.zeros((height, width), dtype=bool)
    if len(points) < 3:
        return mask
    x0, y0 = np.floor(points.min(axis=0)).astype(int)
    x1, y1 = np.ceil(points.max(axis=0)).astype(int)
    x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
    if x1 <= x0 or y1 <= y0:
        return mask
    cy, cx = np.mgrid[y0:y1, x0:x1] + 0.5  # pixel centres of the bounding box
    inside = np.zeros(cy.shape, dtype=bool)
    for (ax, ay), (bx, by) in zip(points, np.roll(points, -1, axis=0)):
        if ay == by:
            continue  # horizontal edges never cross a horizontal ray
        crosses = (ay > cy) != (by > cy)
        x_at = ax + (cy - ay) * (bx - ax) / (by - ay)
        inside ^= crosses & (cx < x_at)
    mask[y0:y1, x0:x1] = inside
    return mask


def decode_rle_string(counts: str) -> list[int]:
    """COCO's compressed RLE string (pycocotools ``rleFrString``) -> run lengths."""
    runs: list[int] = []
    pos = 0
    while pos < len(counts):
        value, shift, more = 0, 0, True
        while more:
            chunk = ord(counts[pos]) - 48
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


def rle_to_mask(rle: Mapping[str, Any]) -> np.ndarray:
    """``{"size": [h, w], "counts": list or str}`` -> (h, w) bool."""
    height, width = (int(v) for v in rle['size'])
    counts = rle['counts']
    runs = decode_rle_string(counts) if isinstance(counts, str) else [int(c) for c in counts]
    if sum(runs) != height * width or min(runs, default=0) < 0:
        raise CocoFormatError(f'RLE runs sum to {sum(runs)}, expected {height}x{width} = '
                              f'{height * width}')
    values = np.zeros(len(runs), dtype=bool)
    values[1::2] = True
    flat = np.repeat(values, runs)
    return flat.reshape(width, height).T  # column-major


def annotation_mask(segmentation: Any, height: int, width: int) -> np.ndarray:
    """A COCO ``segmentation`` (polygon list, RLE or uncompressed RLE) -> (H, W) bool."""
    try:
        from pycocotools import mask as coco_mask
    except ImportError:
        coco_mask = None
    if isinstance(segmentation, list):
        if coco_mask is not None and segmentation:
            rles = coco_mask.frPyObjects(segmentation, height, width)
            return coco_mask.decode(coco_mask.merge(rles)).astype(bool)
        mask = np.zeros((height, width), dtype=bool)
        for polygon in segmentation:  # parts of one object: union
            mask |= polygon_to_mask(polygon, height, width)
        return mask
    if isinstance(segmentation, Mapping) and 'counts' in segmentation:
        if [int(v) for v in segmentation['size']] != [height, width]:
            raise CocoFormatError(f'RLE size {segmentation["size"]} differs from the image '
                                  f'{height}x{width}')
        if coco_mask is not None:
            if isinstance(segmentation['counts'], str):  # compressed: pycocotools wants bytes
                rle = dict(segmentation, counts=segmentation['counts'].encode())
            else:
                rle = coco_mask.frPyObjects(dict(segmentation), height, width)
            return coco_mask.decode(rle).astype(bool)
        return rle_to_mask(segmentation)
    raise CocoFormatError(f'unknown segmentation {type(segmentation).__name__}: expected a list '
                          f'of polygons or an RLE dict with "size" and "counts"')


def class_index_mask(annotations: Sequence[Mapping[str, Any]], height: int, width: int,
                     category_map: Mapping[int, int], source: str = '<annotations>'
                     ) -> np.ndarray:
    """The (H, W) uint8 class-index mask of one image's annotations (rule in the module doc).

    Args:
        annotations: the image's COCO annotations (``category_id``, ``segmentation``).
        category_map: category id -> class id (1 .. 254; 0 is background, 255 ignore).
        source: the file, for error messages.
    """
    painted = []  # (pixel count, file position, class id, mask)
    for k, ann in enumerate(annotations):
        category = ann.get('category_id')
        if category not in category_map:
            raise CocoFormatError(
                f'{source}: annotation {ann.get("id", k)} has category_id {category!r} missing '
                f'from the category map {dict(category_map)}; add it to '
                f'real_data.category_map in the config')
        if 'segmentation' not in ann:
            continue
        try:
            mask = annotation_mask(ann['segmentation'], height, width)
        except (CocoFormatError, KeyError, TypeError, ValueError) as err:
            raise CocoFormatError(f'{source}: annotation {ann.get("id", k)}: {err}') from err
        painted.append((int(mask.sum()), k, category_map[category], mask))
    label = np.zeros((height, width), dtype=np.uint8)
    for _, _, class_id, mask in sorted(painted, key=lambda item: (-item[0], item[1])):
        label[mask] = class_id
    return label
