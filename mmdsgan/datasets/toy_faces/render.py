"""The rasteriser: :func:`render_toy_face` turns an integer seed into a labeled sample.

How a sample is made (read top-down):

1. ``_sample_face`` (:mod:`.sampling`) draws every random knob of one face (pose, shapes,
   colours, styles, lighting, clutter) from ``numpy.random.default_rng(seed)``. All knobs are in
   units relative to the image size, so a seed gives the same face at every ``size``.
2. The ``_draw_*`` functions (:mod:`.layers`) paint layers back to front onto a canvas
   (:mod:`.canvas`) that is ``SUPERSAMPLE`` times finer than the output: each layer sets,
   inside its region, the class id, the base colour, a shading factor and the depth of every
   sub-pixel sample.
3. ``_resolve`` (:mod:`.canvas`) box-filters the colour to the output size (anti-aliasing) and
   picks, for each output pixel, the class covering most of its ``SUPERSAMPLE**2`` samples (ties
   go to the higher class id, so thin parts drawn on top win); the depth of an output pixel is
   the mean depth of the samples of that winning class, so it never mixes face and background.
4. Lighting gradient, colour tint and texture noise vary per output pixel only, so they are
   applied after the box filter (the result is the same, it is just cheaper).

Determinism: only ``Generator.random`` draws are used (the PCG64 stream and its
float conversion are fixed), and all maths, per knob and per pixel, uses only ``+ - * /``,
``sqrt``, ``floor`` and comparisons, which IEEE 754 rounds exactly; never ``exp``, ``sin`` or
``cos``, whose results differ between C libraries and NumPy's SIMD paths (angles come from
rational or normalised-vector forms). Sums run in a fixed order. So a seed gives
byte-identical arrays on any machine with the same NumPy major version (checked with NumPy's
AVX-512, AVX2 and baseline SSE code paths). Bump ``RENDERER_VERSION`` (:mod:`.constants`)
whenever the same seed would render differently.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Dict, Tuple

import numpy as np

from .canvas import _Canvas, _Frame, _resolve
from .constants import BACKGROUND, HAIR, MAX_SIZE, MIN_SIZE, SUPERSAMPLE, TOY_FACE_KEYPOINTS
from .layers import _draw_accessories, _draw_background, _draw_body, _draw_face, _draw_hair
from .sampling import _Face, _sample_face

__all__ = ['ToyFace', 'render_toy_face']


@dataclass(frozen=True)
class ToyFace:
    """One rendered sample.

    Attributes:
        image: uint8 (H, W, 3) RGB.
        mask: uint8 (H, W) class ids into :data:`TOY_FACE_CLASSES`.
        depth: float32 (H, W) depth in metre-like units, in [0.5, BACKGROUND_DEPTH].
        keypoints: float32 (K, 3) rows ``x, y, visibility`` in the order of
            :data:`TOY_FACE_KEYPOINTS`; ``x, y`` are pixel coordinates with the centre of pixel
            ``(row i, column j)`` at ``(j, i)``; visibility (COCO) 2 = visible, 1 = inside the
            image but covered by hair or an accessory, 0 = outside the image.
        seed: the seed it was rendered from.
    """
    image: np.ndarray
    mask: np.ndarray
    depth: np.ndarray
    keypoints: np.ndarray
    seed: int


def _smooth_noise(grid: np.ndarray, size: int) -> np.ndarray:
    """Bilinear upsampling of a (g, g) grid to (size, size), float32."""
    g = grid.shape[0]
    pos = (np.arange(size, dtype=np.float64) + 0.5) * ((g - 1) / size)
    i = np.minimum(np.floor(pos).astype(np.intp), g - 2)
    t = (pos - i).astype(np.float32)
    gr = grid.astype(np.float32)
    rows = gr[i] + (gr[i + 1] - gr[i]) * t[:, None]  # (size, g)
    return rows[:, i] + (rows[:, i + 1] - rows[:, i]) * t[None, :]  # (size, size)


def _lighting(f: _Face, fine: np.ndarray, size: int) -> np.ndarray:
    """Per-pixel brightness (H, W): image-wide gradient, smooth blotches, grain."""
    pos = (np.arange(size, dtype=np.float32) + np.float32(0.5)) * np.float32(1.0 / size) - 0.5
    grad = (np.float32(1) + np.float32(f.light.grad_x) * pos[None, :] +
            np.float32(f.light.grad_y) * pos[:, None])
    tex = f.texture
    blotch = np.float32(1) + np.float32(2 * tex.coarse) * (_smooth_noise(tex.grid, size) - 0.5)
    grain = np.float32(1) + np.float32(2 * tex.fine) * (fine - np.float32(0.5))
    return grad * blotch * grain


def _keypoints(local: Dict[str, Tuple[float, float]], fr: _Frame, cv: _Canvas) -> np.ndarray:
    """(K, 3) float32 rows x, y, visibility (see :class:`ToyFace`).

    A keypoint inside the image is hidden (1) when the sub-pixel sample under it was last
    painted by something in front of the face: hair (a fringe) or an accessory (background
    class); otherwise it is visible (2).
    """
    size, k = cv.size, cv.factor
    rows = []
    for name in TOY_FACE_KEYPOINTS:
        x, y = fr.to_image(*local[name])
        if not (-0.5 <= x < size - 0.5 and -0.5 <= y < size - 0.5):
            vis = 0
        else:
            col = min(int(math.floor((x + 0.5) * k)), size * k - 1)
            row = min(int(math.floor((y + 0.5) * k)), size * k - 1)
            vis = 1 if cv.label[row, col] in (HAIR, BACKGROUND) else 2
        rows.append((x, y, vis))
    return np.asarray(rows, np.float32)


def render_toy_face(seed: int, size: int = 64) -> ToyFace:
    """Render the toy face of ``seed`` at ``size`` x ``size`` pixels.

    Args:
        seed: any integer >= 0; the same seed gives byte-identical arrays every time.
        size: output side in pixels, MIN_SIZE (32) .. MAX_SIZE (256). A seed shows the same
            face at every size.

    Returns:
        A :class:`ToyFace` with image (H, W, 3) uint8, mask (H, W) uint8, depth (H, W) float32
        and keypoints (5, 3) float32.
    """
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f'render_toy_face: seed must be an integer >= 0, got {seed!r}')
    if not isinstance(size, (int, np.integer)) or not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(f'render_toy_face: size must be an integer in [{MIN_SIZE}, {MAX_SIZE}], '
                         f'got {size!r}')
    seed, size = int(seed), int(size)
    rng = np.random.default_rng(seed)
    face = _sample_face(rng)
    fine = rng.random((size, size)).astype(np.float32)  # the only size-dependent draw: last

    canvas = _Canvas(size, SUPERSAMPLE)
    frame = _Frame(canvas, face.pose)
    _draw_background(canvas, face.background)
    _draw_body(canvas, frame, face)
    local_keypoints = _draw_face(canvas, frame, face)
    _draw_hair(canvas, frame, face)
    _draw_accessories(canvas, frame, face)

    rgb, mask, depth = _resolve(canvas)  # (3, H, W), (H, W), (H, W)
    rgb = rgb * _lighting(face, fine, size)[None] * np.asarray(face.light.tint, np.float32
                                                                ).reshape(3, 1, 1)
    image = np.clip(np.rint(rgb * np.float32(255)), 0, 255).astype(np.uint8)
    image = np.ascontiguousarray(image.transpose(1, 2, 0))  # (H, W, 3)
    keypoints = _keypoints(local_keypoints, frame, canvas)
    return ToyFace(image=image, mask=mask, depth=depth.astype(np.float32), keypoints=keypoints,
                   seed=seed)
