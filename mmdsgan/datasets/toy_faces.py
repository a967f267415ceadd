"""The built-in toy domain: procedural cartoon faces with exact part masks, depth and keypoints.

A new user can see the whole DatasetGAN / HandsOff method work offline on a CPU with this
domain: :func:`render_toy_face` turns an integer seed into a labeled sample, and
:func:`write_toy_dataset` writes many of them in the MMSeg folder layout (see
``docs/toy_domain.md`` and ``tools/make_toy_data.py``).

How a sample is made (read top-down):

1. ``_sample_face`` draws every random knob of one face (pose, shapes, colours, styles,
   lighting, clutter) from ``numpy.random.default_rng(seed)``. All knobs are in units relative
   to the image size, so a seed gives the same face at every ``size``.
2. The ``_draw_*`` functions paint layers back to front onto a canvas that is
   ``SUPERSAMPLE`` times finer than the output: each layer sets, inside its region, the class
   id, the base colour, a shading factor and the depth of every sub-pixel sample.
3. ``_resolve`` box-filters the colour to the output size (anti-aliasing) and picks, for each
   output pixel, the class covering most of its ``SUPERSAMPLE**2`` samples (ties go to the
   higher class id, so thin parts drawn on top win); the depth of an output pixel is the mean
   depth of the samples of that winning class, so it never mixes face and background.
4. Lighting gradient, colour tint and texture noise vary per output pixel only, so they are
   applied after the box filter (the result is the same, it is just cheaper).

Determinism: only ``Generator.random`` draws are used (the PCG64 stream and its
float conversion are fixed), and all maths, per knob and per pixel, uses only ``+ - * /``,
``sqrt``, ``floor`` and comparisons, which IEEE 754 rounds exactly; never ``exp``, ``sin`` or
``cos``, whose results differ between C libraries and NumPy's SIMD paths (angles come from
rational or normalised-vector forms). Sums run in a fixed order. So a seed gives
byte-identical arrays on any machine with the same NumPy major version (checked with NumPy's
AVX-512, AVX2 and baseline SSE code paths).
"""
from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np

from mmdsgan.utils.io import atomic_write, json_text, png_bytes, remove_stale_temporaries

__all__ = [
    'TOY_FACE_CLASSES', 'TOY_FACE_PALETTE', 'TOY_FACE_KEYPOINTS', 'DEPTH_SCALE',
    'BACKGROUND_DEPTH', 'SUPERSAMPLE', 'ToyFace', 'ToyWriteResult', 'render_toy_face',
    'toy_sample_id', 'write_toy_dataset', 'depth_to_png', 'depth_from_png'
]

# --------------------------------------------------------------------------------------------
# Public constants
# --------------------------------------------------------------------------------------------

#: Class names; the index is the class id in masks (0 = background, a real class).
#: Accessories (hats, glasses, earrings) and clothes are background; ears and neck are skin;
#: the eye class is the whole eye (white, iris, pupil, lid line); mouth includes lips, teeth
#: and the inside of an open mouth.
TOY_FACE_CLASSES: Tuple[str, ...] = ('background', 'skin', 'hair', 'eye', 'brow', 'mouth', 'nose')

#: One [r, g, b] per class, used for the palette of the annotation PNGs and for overlays.
TOY_FACE_PALETTE: List[List[int]] = [
    [0, 0, 0],  # background
    [204, 0, 0],  # skin
    [0, 0, 204],  # hair
    [51, 255, 255],  # eye
    [204, 0, 204],  # brow
    [255, 255, 0],  # mouth
    [76, 153, 0],  # nose
]

#: Keypoint names, in the order of the rows of ``ToyFace.keypoints``. Left and right are the
#: person's own (COCO convention): ``left_eye`` is on the image's right for an upright face.
TOY_FACE_KEYPOINTS: Tuple[str, ...] = ('left_eye', 'right_eye', 'nose_tip', 'mouth_left',
                                       'mouth_right')

#: Value of the 16-bit depth PNG per depth unit: depth is in metre-like units, stored in mm.
DEPTH_SCALE: float = 1000.0

#: Depth of the backdrop (metre-like units); everything else is nearer (0.5 .. 8).
BACKGROUND_DEPTH: float = 8.0

#: Sub-pixel samples per output pixel along each axis (the image is a box-filtered average of
#: SUPERSAMPLE**2 samples; the mask is the majority class of those samples).
SUPERSAMPLE: int = 4

#: Bumped whenever the same seed would render differently; recorded in ``metainfo.json``.
RENDERER_VERSION: int = 1

#: ``metainfo.json['kind']`` of a dataset written by :func:`write_toy_dataset`.
DATASET_KIND: str = 'mmdsgan.toy_faces'

BACKGROUND, SKIN, HAIR, EYE, BROW, MOUTH, NOSE = range(len(TOY_FACE_CLASSES))
NUM_CLASSES = len(TOY_FACE_CLASSES)
MIN_SIZE, MAX_SIZE = 32, 256


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


# --------------------------------------------------------------------------------------------
# Random knobs of one face (all drawn here, in a fixed order)
# --------------------------------------------------------------------------------------------

Colour = Tuple[float, float, float]  # r, g, b in [0, 1]

_SKIN_TONES = [(255, 224, 196), (241, 194, 167), (234, 192, 134), (224, 172, 105),
               (198, 134, 66), (160, 105, 62), (141, 85, 36), (92, 56, 34), (255, 205, 178)]
_HAIR_COLOURS = [(25, 20, 20), (45, 32, 26), (70, 45, 30), (110, 70, 40), (145, 60, 30),
                 (190, 80, 40), (170, 135, 80), (220, 190, 120), (150, 150, 150),
                 (225, 225, 215), (60, 90, 200), (230, 100, 170), (70, 160, 90),
                 (120, 60, 160)]
_HAIR_WEIGHTS = [3, 3, 3, 3, 1.5, 1, 2, 2, 1, 0.7, 0.4, 0.4, 0.3, 0.3]
_IRIS_COLOURS = [(90, 55, 30), (55, 35, 20), (70, 120, 190), (80, 140, 90), (120, 130, 140),
                 (130, 100, 50)]
_HAIR_STYLES = ('bald', 'buzz', 'short', 'curly', 'fringe', 'side_part', 'bob', 'long', 'bun')
_HAIR_STYLE_WEIGHTS = (0.5, 0.5, 1.5, 1.0, 1.2, 1.2, 1.2, 1.5, 0.6)


def _u(rng: np.random.Generator, low: float, high: float) -> float:
    """A uniform float in [low, high)."""
    return low + (high - low) * float(rng.random())


def _chance(rng: np.random.Generator, p: float) -> bool:
    return float(rng.random()) < p


def _pick(rng: np.random.Generator, items: Sequence, weights: Optional[Sequence[float]] = None):
    """One of ``items`` (weighted), drawn with a single ``rng.random()``."""
    w = [1.0] * len(items) if weights is None else list(weights)
    r = float(rng.random()) * sum(w)
    for item, wi in zip(items, w):
        r -= wi
        if r < 0:
            return item
    return items[-1]


def _turn(rng: np.random.Generator, max_tan_half: float) -> Tuple[float, float]:
    """(cos, sin) of a random angle in about +-2 atan(max_tan_half), without libm trig.

    The rational form cos = (1 - t^2) / (1 + t^2), sin = 2t / (1 + t^2) of t = tan(angle / 2)
    uses only correctly rounded operations, so it is the same on every platform.
    """
    t = _u(rng, -max_tan_half, max_tan_half)
    return (1.0 - t * t) / (1.0 + t * t), 2.0 * t / (1.0 + t * t)


def _direction(rng: np.random.Generator) -> Tuple[float, float]:
    """(cos, sin) of a random direction: a normalised point of the square [-1, 1]^2."""
    a, b = _u(rng, -1, 1), _u(rng, -1, 1)
    n = math.sqrt(a * a + b * b)
    return (1.0, 0.0) if n < 1e-9 else (a / n, b / n)


def _rgb(c: Sequence[float]) -> Colour:
    return (float(c[0]) / 255.0, float(c[1]) / 255.0, float(c[2]) / 255.0)


def _jitter(rng: np.random.Generator, c: Colour, amount: float, scale: Tuple[float, float] = (1, 1)
            ) -> Colour:
    """``c`` times a brightness in ``scale`` plus per-channel noise of +-amount, in [0, 1]."""
    k = _u(rng, *scale)
    return tuple(min(1.0, max(0.0, ch * k + _u(rng, -amount, amount))) for ch in c)


def _skin_colour(rng: np.random.Generator) -> Colour:
    if _chance(rng, 0.04):  # fantasy skin (green, blue, grey): rare
        return _jitter(rng, _pick(rng, [(0.55, 0.75, 0.5), (0.5, 0.65, 0.85), (0.7, 0.7, 0.72)]),
                       0.05)
    return _jitter(rng, _rgb(_pick(rng, _SKIN_TONES)), 0.03, (0.9, 1.06))


def _hair_colour(rng: np.random.Generator) -> Colour:
    return _jitter(rng, _rgb(_pick(rng, _HAIR_COLOURS, _HAIR_WEIGHTS)), 0.04, (0.85, 1.1))


def _any_colour(rng: np.random.Generator) -> Colour:
    """Any colour, from grey to fully saturated."""
    c = (float(rng.random()), float(rng.random()), float(rng.random()))
    grey = _u(rng, 0.15, 0.9)
    sat = _u(rng, 0.0, 1.0)
    return tuple(min(1.0, max(0.0, grey + (ch - grey) * sat)) for ch in c)


def _distractor_colour(rng: np.random.Generator, p_skin: float, p_hair: float) -> Colour:
    """A background colour that is sometimes skin- or hair-like, so colour is not the class."""
    r = float(rng.random())
    if r < p_skin:
        return _jitter(rng, _skin_colour(rng), 0.04, (0.8, 1.1))
    if r < p_skin + p_hair:
        return _hair_colour(rng)
    return _any_colour(rng)


@dataclass(frozen=True)
class _Pose:
    cx: float  # head centre, fraction of the image width
    cy: float  # head centre, fraction of the image height
    radius: float  # head unit R, fraction of the image size (local coords are in units of R)
    cos: float  # roll
    sin: float
    yaw: float  # -1 .. 1: features shift sideways, the far eye narrows
    pitch: float  # -1 .. 1: features shift up/down


@dataclass(frozen=True)
class _Head:
    ax: float  # half width (units of R)
    ay: float  # half height
    taper: float  # narrowing of the jaw
    skin: Colour
    ear_w: float
    ear_h: float
    neck_w: float
    blush: Optional[Colour]
    clothes: Colour
    shoulder_drop: float  # shoulders' top below the chin
    shoulder_w: float
    neckline: float


@dataclass(frozen=True)
class _Eyes:
    ey: float  # vertical position of the eye centres
    ex: float  # half distance between the eyes
    ew: float  # half width
    eh: float  # half height
    almond: bool
    iris_r: float  # iris radius, fraction of the eye's half height
    iris: Colour
    sclera: Colour
    gaze_x: float
    gaze_y: float
    lid: float  # lid-line thickness, fraction of the eye
    liner: Colour


@dataclass(frozen=True)
class _Brows:
    gap: float  # above the eye's top
    bw: float  # half length, fraction of the eye's half width
    bh: float  # half thickness
    arch: float
    tilt: float
    colour: Colour


@dataclass(frozen=True)
class _Nose:
    shape: str  # 'ellipse', 'triangle' or 'button'
    nv: float  # centre, below the eyes
    nw: float
    nh: float
    colour: Colour
    nostril: Colour


@dataclass(frozen=True)
class _Mouth:
    gap: float  # below the nose
    mw: float  # half width (corner to centre)
    smile: float  # > 0: corners up
    open: bool
    mh: float  # half height
    lip_w: float  # lip thickness of an open mouth
    lips: Colour
    teeth: bool


@dataclass(frozen=True)
class _Hair:
    style: str
    colour: Colour
    thick: float  # volume above the head, fraction of the head
    h0: float  # hairline height at the middle
    h2: float  # hairline curvature
    slope: float  # side part
    side: float  # lowest point of the hair at the temples
    lock_in: float  # for bob/long: inner edge of the side locks
    lock_len: float  # lower end of the side locks
    back_len: float  # lower end of the hair behind the head (0 = none)
    curl_k: int  # bumps around the outline (0 = smooth)
    curl_amp: float
    curl_cos: float
    curl_sin: float
    strands: Tuple[float, ...]  # brightness of strands across the head


@dataclass(frozen=True)
class _Hat:
    colour: Colour
    band: Colour
    brim_v: float  # brim height above the head centre, fraction of the head's half height
    brim_w: float  # brim half width, fraction of the head's half width
    crown_h: float
    crown_w: float  # fraction of the head's half width


@dataclass(frozen=True)
class _Glasses:
    colour: Colour
    thick: float  # frame thickness
    scale: float  # rim size relative to the eye


@dataclass(frozen=True)
class _Earrings:
    colour: Colour
    radius: float


@dataclass(frozen=True)
class _Accessories:
    hat: Optional[_Hat]
    glasses: Optional[_Glasses]
    earrings: Optional[_Earrings]


@dataclass(frozen=True)
class _Light:
    lx: float  # direction towards the light, unit length, z towards the camera
    ly: float
    lz: float
    ambient: float
    grad_x: float  # image-wide brightness gradient, per image size
    grad_y: float
    tint: Colour  # multiplies the whole image


@dataclass(frozen=True)
class _Clutter:
    kind: str  # 'disc', 'rect', 'stripe', 'ring', 'blob'
    x: float  # centre, fraction of the image size
    y: float
    a: float  # half sizes, fraction of the image size
    b: float
    cos: float
    sin: float
    colour: Colour
    depth: float


@dataclass(frozen=True)
class _Background:
    top: Colour
    bottom: Colour
    dir_x: float  # direction of the colour gradient
    dir_y: float
    clutter: Tuple[_Clutter, ...]


@dataclass(frozen=True)
class _Texture:
    coarse: float  # amplitude of smooth blotches
    fine: float  # amplitude of per-pixel grain
    grid: np.ndarray  # (9, 9) smooth-noise control values in [0, 1)


@dataclass(frozen=True)
class _Face:
    pose: _Pose
    head: _Head
    eyes: _Eyes
    brows: _Brows
    nose: _Nose
    mouth: _Mouth
    hair: _Hair
    acc: _Accessories
    light: _Light
    background: _Background
    texture: _Texture


def _sample_face(rng: np.random.Generator) -> _Face:
    """Draw every knob of one face; independent of the output size."""
    cos, sin = _turn(rng, 0.176)  # roll up to +-20 degrees
    pose = _Pose(cx=_u(rng, 0.42, 0.58), cy=_u(rng, 0.42, 0.54), radius=_u(rng, 0.25, 0.33),
                 cos=cos, sin=sin, yaw=_u(rng, -0.7, 0.7), pitch=_u(rng, -0.6, 0.6))

    skin = _skin_colour(rng)
    head = _Head(
        ax=_u(rng, 0.76, 0.9), ay=_u(rng, 0.98, 1.12), taper=_u(rng, 0.0, 0.3), skin=skin,
        ear_w=_u(rng, 0.1, 0.15), ear_h=_u(rng, 0.16, 0.22), neck_w=_u(rng, 0.3, 0.42),
        blush=_jitter(rng, (0.95, 0.55, 0.55), 0.05) if _chance(rng, 0.3) else None,
        clothes=_distractor_colour(rng, 0.12, 0.12), shoulder_drop=_u(rng, 0.1, 0.45),
        shoulder_w=_u(rng, 1.3, 1.9), neckline=_u(rng, 0.15, 0.45))

    ew = _u(rng, 0.12, 0.19)
    eyes = _Eyes(
        ey=_u(rng, -0.06, 0.1), ex=_u(rng, 0.3, 0.4), ew=ew, eh=ew * _u(rng, 0.5, 0.85),
        almond=_chance(rng, 0.4), iris_r=_u(rng, 0.65, 0.95), iris=_jitter(
            rng, _rgb(_pick(rng, _IRIS_COLOURS)), 0.04), sclera=_jitter(rng, (0.95, 0.95, 0.93),
                                                                       0.02, (0.88, 1.0)),
        gaze_x=_u(rng, -1, 1), gaze_y=_u(rng, -1, 1), lid=_u(rng, 0.1, 0.25),
        liner=_jitter(rng, (0.12, 0.08, 0.08), 0.05))

    hair_colour = _hair_colour(rng)
    brow_colour = hair_colour if _chance(rng, 0.6) else _hair_colour(rng)
    brows = _Brows(gap=_u(rng, 0.06, 0.14), bw=_u(rng, 1.0, 1.4), bh=_u(rng, 0.03, 0.06),
                   arch=_u(rng, -0.02, 0.06), tilt=_u(rng, -0.06, 0.06),
                   colour=_jitter(rng, brow_colour, 0.03, (0.55, 1.0)))

    nose = _Nose(shape=_pick(rng, ('ellipse', 'triangle', 'button')), nv=_u(rng, 0.22, 0.32),
                 nw=_u(rng, 0.07, 0.12), nh=_u(rng, 0.1, 0.17),
                 colour=_jitter(rng, skin, 0.02, (0.78, 0.93)),
                 nostril=_jitter(rng, skin, 0.02, (0.35, 0.55)))

    is_open = _chance(rng, 0.35)
    lipstick = _chance(rng, 0.25)
    lips = (_jitter(rng, _pick(rng, [(0.75, 0.1, 0.15), (0.85, 0.35, 0.5), (0.45, 0.2, 0.35),
                                     (0.5, 0.3, 0.2)]), 0.05) if lipstick else
            _jitter(rng, (skin[0] * 0.85, skin[1] * 0.55, skin[2] * 0.55), 0.03, (0.8, 1.0)))
    mouth = _Mouth(gap=_u(rng, 0.12, 0.2), mw=_u(rng, 0.17, 0.28), smile=_u(rng, -0.04, 0.1),
                   open=is_open, mh=_u(rng, 0.07, 0.13) if is_open else _u(rng, 0.04, 0.065),
                   lip_w=_u(rng, 0.02, 0.035), lips=lips, teeth=_chance(rng, 0.6))

    hair = _sample_hair(rng, hair_colour, head)

    hat = None
    if _chance(rng, 0.12):
        hat = _Hat(colour=_distractor_colour(rng, 0.1, 0.2), band=_any_colour(rng),
                   brim_v=_u(rng, 0.45, 0.7), brim_w=_u(rng, 1.1, 1.45),
                   crown_h=_u(rng, 0.35, 0.6), crown_w=_u(rng, 0.7, 0.9))
    glasses = (_Glasses(colour=_any_colour(rng), thick=_u(rng, 0.045, 0.07),
                        scale=_u(rng, 1.35, 1.7)) if _chance(rng, 0.15) else None)
    earrings = (_Earrings(colour=_pick(rng, [(0.9, 0.75, 0.3), (0.8, 0.8, 0.85)]),
                          radius=_u(rng, 0.035, 0.06)) if _chance(rng, 0.15) else None)
    acc = _Accessories(hat=hat, glasses=glasses, earrings=earrings)

    lx, ly, lz = _u(rng, -1, 1), _u(rng, -1, 0.4), _u(rng, 0.8, 1.6)
    norm = math.sqrt(lx * lx + ly * ly + lz * lz)
    warm = _u(rng, -0.08, 0.08)
    light = _Light(lx=lx / norm, ly=ly / norm, lz=lz / norm, ambient=_u(rng, 0.45, 0.7),
                   grad_x=_u(rng, -0.3, 0.3), grad_y=_u(rng, -0.3, 0.3),
                   tint=(1.0 + warm, 1.0 + _u(rng, -0.03, 0.03), 1.0 - warm))

    top = _distractor_colour(rng, 0.25, 0.15)
    bottom = _jitter(rng, top, 0.12, (0.6, 1.1)) if _chance(rng, 0.6) else _any_colour(rng)
    dir_x, dir_y = _direction(rng)
    clutter = tuple(_sample_clutter(rng) for _ in range(_pick(rng, range(7))))
    background = _Background(top=top, bottom=bottom, dir_x=dir_x, dir_y=dir_y, clutter=clutter)

    texture = _Texture(coarse=_u(rng, 0.02, 0.08), fine=_u(rng, 0.0, 0.04),
                       grid=rng.random((9, 9)))
    return _Face(pose, head, eyes, brows, nose, mouth, hair, acc, light, background, texture)


def _sample_hair(rng: np.random.Generator, colour: Colour, head: _Head) -> _Hair:
    style = _pick(rng, _HAIR_STYLES, _HAIR_STYLE_WEIGHTS)
    thick = _u(rng, 0.05, 0.14)
    h0, h2, slope = _u(rng, -0.62, -0.38), _u(rng, 0.3, 0.8), 0.0
    side = _u(rng, -0.15, 0.1)
    lock_in, lock_len, back_len = 9.0, -9.0, 0.0
    curl_k, curl_amp = 0, 0.0
    if style == 'buzz':
        thick, h0, colour = 0.015, _u(rng, -0.6, -0.45), tuple(
            0.55 * c + 0.45 * s for c, s in zip(colour, head.skin))
    elif style == 'curly':
        thick, curl_k, curl_amp = _u(rng, 0.15, 0.3), _pick(rng, range(9, 16)), _u(rng, 0.04, 0.08)
    elif style == 'fringe':
        h0, h2 = _u(rng, -0.42, -0.12), _u(rng, 0.05, 0.3)
    elif style in ('side_part', 'bob', 'long'):
        slope = _u(rng, 0.15, 0.45) * (1 if _chance(rng, 0.5) else -1)
        if style != 'side_part' and _chance(rng, 0.4):  # bob or long with a fringe
            h0, h2, slope = _u(rng, -0.42, -0.15), _u(rng, 0.05, 0.3), 0.0
        lock_in = head.ax * _u(rng, 0.72, 0.88)
        if style == 'bob':
            lock_len, back_len = _u(rng, 0.25, 0.6), _u(rng, 0.35, 0.7)
        elif style == 'long':
            lock_len, back_len = _u(rng, 0.7, 1.4), _u(rng, 0.9, 1.8)
        else:
            lock_in = 9.0
    if _chance(rng, 0.2) and curl_k == 0:  # wavy outline
        curl_k, curl_amp = _pick(rng, range(5, 12)), _u(rng, 0.015, 0.04)
    curl_cos, curl_sin = _direction(rng)  # phase of the curls
    strands = tuple(_u(rng, 0.8, 1.15) for _ in range(24))
    return _Hair(style=style, colour=colour, thick=thick, h0=h0, h2=h2, slope=slope, side=side,
                 lock_in=lock_in, lock_len=lock_len, back_len=back_len, curl_k=curl_k,
                 curl_amp=curl_amp, curl_cos=curl_cos, curl_sin=curl_sin,
                 strands=strands)


def _sample_clutter(rng: np.random.Generator) -> _Clutter:
    kind = _pick(rng, ('disc', 'rect', 'stripe', 'ring', 'blob'))
    cos, sin = _direction(rng)
    a = _u(rng, 0.04, 0.22)
    b = a * _u(rng, 0.3, 1.0) if kind in ('rect', 'blob') else a
    if kind == 'stripe':
        a, b = _u(rng, 0.015, 0.06), 2.0
    p_skin = 0.6 if kind == 'blob' else 0.25
    return _Clutter(kind=kind, x=_u(rng, -0.05, 1.05), y=_u(rng, -0.05, 1.05), a=a, b=b,
                    cos=cos, sin=sin, colour=_distractor_colour(rng, p_skin, 0.2), depth=_u(rng, 3.0, 7.0))


# --------------------------------------------------------------------------------------------
# The supersampled canvas and the face's coordinate frame
# --------------------------------------------------------------------------------------------


Window = Tuple[slice, slice]  # rows, columns of the supersampled canvas
FULL: Window = (slice(None), slice(None))


class _Canvas:
    """Sub-pixel layers painted back to front: class id, base colour, shading, depth."""

    def __init__(self, size: int, factor: int) -> None:
        n = size * factor
        self.size, self.factor = size, factor
        step = np.float32(1.0 / factor)
        # Sample coordinates in output pixels; the centre of output pixel j is at j.
        coords = (np.arange(n, dtype=np.float32) + np.float32(0.5)) * step - np.float32(0.5)
        self.x = np.broadcast_to(coords[None, :], (n, n))  # (Hs, Ws)
        self.y = np.broadcast_to(coords[:, None], (n, n))  # (Hs, Ws)
        self.label = np.zeros((n, n), np.uint8)  # (Hs, Ws)
        self.colour = np.zeros((3, n, n), np.float32)  # (3, Hs, Ws)
        self.shade = np.ones((n, n), np.float32)  # (Hs, Ws)
        self.depth = np.full((n, n), BACKGROUND_DEPTH, np.float32)  # (Hs, Ws)

    def window(self, x0: float, x1: float, y0: float, y1: float) -> Optional[Window]:
        """Sample-index slices covering the image box [x0, x1] x [y0, y1] (output pixels)."""
        n, k = self.size * self.factor, self.factor
        c0 = max(int(math.floor((x0 + 0.5) * k - 0.5)) - 1, 0)
        c1 = min(int(math.ceil((x1 + 0.5) * k - 0.5)) + 2, n)
        r0 = max(int(math.floor((y0 + 0.5) * k - 0.5)) - 1, 0)
        r1 = min(int(math.ceil((y1 + 0.5) * k - 0.5)) + 2, n)
        if c0 >= c1 or r0 >= r1:
            return None
        return slice(r0, r1), slice(c0, c1)

    def paint(self, region: np.ndarray, cls: int, colour: Union[Colour, np.ndarray],
              shade: Union[float, np.ndarray] = 1.0, depth: Union[float, np.ndarray] = None,
              win: Window = FULL) -> None:
        """Set class, colour, shade and depth inside ``region``, all shaped like window ``win``.

        ``colour`` is (3,) or (3, h, w); ``region``, ``shade`` and ``depth`` are (h, w) or
        scalars, where (h, w) is the shape of the window (the whole canvas by default).
        """
        np.copyto(self.label[win], cls, where=region)
        col = np.asarray(colour, np.float32)
        np.copyto(self.colour[(slice(None),) + win], col.reshape(3, 1, 1) if col.ndim == 1
                  else col, where=region[None])
        np.copyto(self.shade[win], np.float32(shade) if np.isscalar(shade) else shade,
                  where=region)
        if depth is not None:
            np.copyto(self.depth[win], np.float32(depth) if np.isscalar(depth) else depth,
                      where=region)


class _Frame:
    """The face's rotated coordinates (u right, v down) in units of the head unit R."""

    def __init__(self, canvas: _Canvas, pose: _Pose) -> None:
        s = canvas.size
        # Fractions of the image are continuous positions: the image spans [-0.5, s - 0.5].
        self.cx, self.cy, self.r = pose.cx * s - 0.5, pose.cy * s - 0.5, pose.radius * s
        self.cos, self.sin = pose.cos, pose.sin
        dx = (canvas.x - np.float32(self.cx)) * np.float32(1.0 / self.r)
        dy = (canvas.y - np.float32(self.cy)) * np.float32(1.0 / self.r)
        c, sn = np.float32(self.cos), np.float32(self.sin)
        self.u = dx * c + dy * sn  # (Hs, Ws)
        self.v = dy * c - dx * sn  # (Hs, Ws)
        self.depth = 0.48 / pose.radius  # head centre's distance: smaller faces are further

    def to_image(self, u: float, v: float) -> Tuple[float, float]:
        """Local (u, v) to image (x, y) pixel coordinates."""
        return (self.cx + self.r * (u * self.cos - v * self.sin),
                self.cy + self.r * (u * self.sin + v * self.cos))

    def window(self, cv: _Canvas, u0: float, u1: float, v0: float, v1: float
               ) -> Optional[Window]:
        """Canvas window holding the local box [u0, u1] x [v0, v1] (None when off-image).

        Parts are evaluated only inside their window: a conservative box gives the same
        result as evaluating the whole canvas, only faster.
        """
        xs, ys = zip(*(self.to_image(a, b) for a in (u0, u1) for b in (v0, v1)))
        return cv.window(min(xs), max(xs), min(ys), max(ys))


def _ellipse(du: np.ndarray, dv: np.ndarray, a: float, b: float) -> np.ndarray:
    """Squared normalised radius (Hs, Ws) of offsets (du, dv) in an ellipse of half axes a, b."""
    p, q = du * np.float32(1.0 / a), dv * np.float32(1.0 / b)
    return p * p + q * q


def _lambert(nx: np.ndarray, ny: np.ndarray, r2: np.ndarray, light: _Light) -> Tuple[
        np.ndarray, np.ndarray]:
    """Shading and surface height of an ellipsoid with normalised coordinates (nx, ny).

    Returns ``(shade, nz)``, both (Hs, Ws); ``nz`` is 0 at the silhouette and 1 at the centre.
    """
    nz = np.sqrt(np.maximum(np.float32(1) - r2, np.float32(0)))
    d = nx * np.float32(light.lx) + ny * np.float32(light.ly) + nz * np.float32(light.lz)
    amb = np.float32(light.ambient)
    return amb + (np.float32(1) - amb) * np.clip(d, 0, 1), nz


# --------------------------------------------------------------------------------------------
# Layers, back to front
# --------------------------------------------------------------------------------------------


def _draw_background(cv: _Canvas, bg: _Background) -> None:
    """Two-colour gradient backdrop and flat clutter shapes (discs, boxes, stripes, rings,
    skin-coloured blobs) at their own depths."""
    s = np.float32(1.0 / cv.size)
    fx = (cv.x + np.float32(0.5)) * s  # (Hs, Ws) position as a fraction of the image width
    fy = (cv.y + np.float32(0.5)) * s  # (Hs, Ws)
    t = np.clip((fx - 0.5) * np.float32(bg.dir_x) + (fy - 0.5) * np.float32(bg.dir_y)
                + np.float32(0.5), 0, 1)  # (Hs, Ws)
    top, bottom = np.asarray(bg.top, np.float32), np.asarray(bg.bottom, np.float32)
    cv.colour[...] = top.reshape(3, 1, 1) + (bottom - top).reshape(3, 1, 1) * t[None]
    for item in bg.clutter:
        if item.kind == 'stripe':
            win = FULL
        else:
            reach = 1.5 * max(item.a, item.b) * cv.size
            x, y = item.x * cv.size - 0.5, item.y * cv.size - 0.5
            win = cv.window(x - reach, x + reach, y - reach, y + reach)
            if win is None:
                continue
        dx = fx[win] - np.float32(item.x)
        dy = fy[win] - np.float32(item.y)
        p = dx * np.float32(item.cos) + dy * np.float32(item.sin)
        q = dy * np.float32(item.cos) - dx * np.float32(item.sin)
        shade: Union[float, np.ndarray] = 1.0
        if item.kind in ('disc', 'blob'):
            r2 = _ellipse(p, q, item.a, item.b)
            region = r2 <= 1
            if item.kind == 'blob':  # a shaded, head-like ellipse
                shade = np.float32(0.8) + np.float32(0.2) * np.clip(np.float32(1) - r2, 0, 1)
        elif item.kind == 'ring':
            r2 = _ellipse(p, q, item.a, item.a)
            region = (r2 <= 1) & (r2 >= 0.45)
        else:  # rect, stripe
            region = (np.abs(p) <= item.a) & (np.abs(q) <= item.b)
        cv.paint(region, BACKGROUND, item.colour, shade, item.depth, win)


def _draw_body(cv: _Canvas, fr: _Frame, f: _Face) -> None:
    """Hair behind the head, neck, clothes (background) and ears: all behind the head."""
    h, hair, light = f.head, f.hair, f.light
    far = 4.0  # local v beyond the bottom of any image
    if hair.back_len > 0:
        hw, top_h = h.ax * (1.1 + hair.thick), h.ay * (1.0 + hair.thick)
        win = fr.window(cv, -hw, hw, -top_h, hair.back_len)
        if win is not None:
            u, v = fr.u[win], fr.v[win]
            t = u * np.float32(1.0 / hw)
            region = (_ellipse(u, np.minimum(v, 0), hw, top_h) <= 1) & (
                v <= np.float32(hair.back_len) * (1 - np.float32(0.35) * t * t))
            cv.paint(region, HAIR, hair.colour, 0.62 * light.ambient + 0.3, fr.depth + 0.08, win)

    win = fr.window(cv, -h.neck_w, h.neck_w, 0.3 * h.ay, far)
    if win is not None:
        u, v = fr.u[win], fr.v[win]
        neck = (np.abs(u) <= np.float32(h.neck_w)) & (v >= np.float32(0.3 * h.ay))
        shadow = np.clip((v - np.float32(h.ay)) * np.float32(3.0), 0, 1)  # dark under the chin
        cv.paint(neck, SKIN, h.skin, np.float32(0.62) + np.float32(0.25) * shadow,
                 fr.depth + 0.04, win)

    c, a, b = h.ay + h.shoulder_drop + 0.75, h.shoulder_w, 0.75
    win = fr.window(cv, -a, a, c - b, far)
    if win is not None:
        u, v = fr.u[win], fr.v[win]
        x = np.minimum(np.abs(u) * np.float32(1.0 / a), np.float32(1))
        top = np.float32(c) - np.float32(b) * np.sqrt(np.float32(1) - x * x)
        clothes = (v >= top) & (np.abs(u) < np.float32(a)) & (
            _ellipse(u, v - np.float32(h.ay + h.shoulder_drop), h.neck_w * 1.3, h.neckline) > 1)
        side = np.clip(np.float32(1.0) - np.abs(u) * np.float32(0.35 / a), 0, 1)
        cv.paint(clothes, BACKGROUND, h.clothes, np.float32(0.7) + np.float32(0.3) * side,
                 fr.depth + 0.06, win)

    for s in (-1.0, 1.0):
        eu, ev = s * (h.ax - 0.03), f.eyes.ey + 0.1
        ew = h.ear_w * (1.0 - 0.5 * f.pose.yaw * s)  # the ear on the turned-to side shrinks
        win = fr.window(cv, eu - ew, eu + ew, ev - h.ear_h, ev + h.ear_h)
        if win is None:
            continue
        r2 = _ellipse(fr.u[win] - np.float32(eu), fr.v[win] - np.float32(ev), ew, h.ear_h)
        shade = np.where(r2 <= 0.35, np.float32(0.72), np.float32(0.9))
        cv.paint(r2 <= 1, SKIN, h.skin, shade, fr.depth + 0.02, win)


class _HeadSurface:
    """The head's region, shading and depth as canvas-sized arrays, filled inside its window.

    ``inside`` is False, ``shade`` 1 and ``depth`` BACKGROUND_DEPTH outside the head's window,
    so every part can slice them with its own window.
    """

    def __init__(self, cv: _Canvas, fr: _Frame, f: _Face, tip: Tuple[float, float]) -> None:
        h, n = f.head, f.nose
        shape = cv.label.shape
        self.inside = np.zeros(shape, bool)  # (Hs, Ws)
        self.shade = np.ones(shape, np.float32)  # (Hs, Ws)
        self.depth = np.full(shape, BACKGROUND_DEPTH, np.float32)  # (Hs, Ws)
        self.win = fr.window(cv, -h.ax, h.ax, -h.ay, h.ay)
        if self.win is None:
            return
        u, v = fr.u[self.win], fr.v[self.win]
        vn = v * np.float32(1.0 / h.ay)
        jaw = np.clip(vn, 0, 1)
        w = np.float32(h.ax) * (np.float32(1) - np.float32(h.taper) * jaw * jaw)
        nx = u / w
        r2 = nx * nx + vn * vn
        shade, nz = _lambert(nx, vn, r2, f.light)
        # The nose protrudes: a bump around its tip.
        bump = np.clip(np.float32(1) - _ellipse(u - np.float32(tip[0]), v - np.float32(tip[1]),
                                                n.nw * 1.8, n.nh * 1.5), 0, 1)
        self.inside[self.win] = r2 <= 1
        self.shade[self.win] = shade
        self.depth[self.win] = (np.float32(fr.depth) - np.float32(0.1) * nz -
                                np.float32(0.03) * bump * bump)


def _draw_face(cv: _Canvas, fr: _Frame, f: _Face) -> Dict[str, Tuple[float, float]]:
    """Head, blush, nose, eyes, brows and mouth; returns the keypoints in local (u, v)."""
    h, e, n, m = f.head, f.eyes, f.nose, f.mouth
    shift_u, shift_v = 0.14 * f.pose.yaw, 0.08 * f.pose.pitch
    nu, nv = 1.4 * shift_u, e.ey + shift_v + n.nv
    tip_v = nv + 0.5 * n.nh
    head = _HeadSurface(cv, fr, f, (nu, tip_v))
    if head.win is not None:
        cv.paint(head.inside[head.win], SKIN, h.skin, head.shade[head.win],
                 head.depth[head.win], head.win)

    if h.blush is not None:
        blush = np.asarray(h.blush, np.float32).reshape(3, 1, 1)
        skin = np.asarray(h.skin, np.float32).reshape(3, 1, 1)
        for s in (-1.0, 1.0):
            bu, bv = s * (e.ex + 0.06) + shift_u, e.ey + shift_v + 0.3
            win = fr.window(cv, bu - 0.13, bu + 0.13, bv - 0.09, bv + 0.09)
            if win is None:
                continue
            r2 = _ellipse(fr.u[win] - np.float32(bu), fr.v[win] - np.float32(bv), 0.13, 0.09)
            k = np.clip(np.float32(1) - r2, 0, 1)[None] * np.float32(0.6)
            cv.paint((r2 <= 1) & head.inside[win], SKIN, skin + (blush - skin) * k,
                     head.shade[win], head.depth[win], win)

    _draw_nose(cv, fr, f, head, nu, nv, tip_v)
    eye_centres = [_draw_eye_and_brow(cv, fr, f, head, s, shift_u, shift_v) for s in (-1.0, 1.0)]
    mu, mv = _draw_mouth(cv, fr, f, head, 1.1 * shift_u, min(tip_v + 0.5 * n.nh + m.gap,
                                                                0.8 * h.ay))
    # The person's left eye and mouth corner are on the image's right (s = +1).
    return {'left_eye': eye_centres[1], 'right_eye': eye_centres[0], 'nose_tip': (nu, tip_v),
            'mouth_left': (mu + m.mw, mv), 'mouth_right': (mu - m.mw, mv)}


def _draw_nose(cv: _Canvas, fr: _Frame, f: _Face, head: _HeadSurface, nu: float, nv: float,
               tip_v: float) -> None:
    n = f.nose
    win = fr.window(cv, nu - n.nw, nu + n.nw, nv - n.nh, nv + n.nh)
    if win is None:
        return
    u, v = fr.u[win], fr.v[win]
    du, dv = u - np.float32(nu), v - np.float32(nv)
    if n.shape == 'ellipse':
        nose = _ellipse(du, dv, n.nw, n.nh) <= 1
    elif n.shape == 'triangle':
        t = (dv + np.float32(n.nh)) * np.float32(0.5 / n.nh)
        nose = (t >= 0) & (t <= 1) & (np.abs(du) <= np.float32(n.nw) * (0.3 + 0.7 * t))
    else:  # button: a round tip under a thin bridge
        nose = (_ellipse(du, dv - np.float32(0.35 * n.nh), n.nw, 0.65 * n.nh) <= 1) | (
            (np.abs(du) <= np.float32(0.3 * n.nw)) & (np.abs(dv) <= np.float32(n.nh)))
    nose &= head.inside[win]
    nostrils = nose & (_ellipse(np.abs(du) - np.float32(0.45 * n.nw),
                                v - np.float32(tip_v + 0.25 * n.nh), 0.22 * n.nw,
                                0.16 * n.nh) <= 1)
    shade = head.shade[win]
    side_light = np.float32(1.0) - np.float32(0.12 * f.light.lx / n.nw) * du
    cv.paint(nose, NOSE, n.colour, shade * side_light, head.depth[win], win)
    cv.paint(nostrils, NOSE, n.nostril, shade, head.depth[win], win)


def _draw_eye_and_brow(cv: _Canvas, fr: _Frame, f: _Face, head: _HeadSurface, s: float,
                       shift_u: float, shift_v: float) -> Tuple[float, float]:
    """The eye on side ``s`` (-1 image left, +1 image right) and its brow; returns its centre."""
    e, b = f.eyes, f.brows
    eu, ev = s * e.ex + shift_u, e.ey + shift_v
    ew = e.ew * (1.0 - 0.22 * f.pose.yaw * s)  # the eye on the turned-to side narrows
    win = fr.window(cv, eu - ew, eu + ew, ev - e.eh, ev + e.eh)
    if win is not None:
        u, v = fr.u[win], fr.v[win]
        du, dv = u - np.float32(eu), v - np.float32(ev)
        t = du * np.float32(1.0 / ew)
        if e.almond:
            half = np.float32(e.eh) * np.maximum(np.float32(1) - t * t, np.float32(0))
            eye = (np.abs(t) <= 1) & (np.abs(dv) <= half)
            rim = eye & (((np.abs(dv) >= half * np.float32(1 - 2 * e.lid)) & (dv < 0)) |
                         (np.abs(t) >= np.float32(1 - e.lid)))
        else:
            r2 = _ellipse(du, dv, ew, e.eh)
            eye = r2 <= 1
            rim = eye & (r2 >= np.float32((1 - e.lid) * (1 - e.lid))) & (dv < np.float32(0.3 * e.eh))
        eye &= head.inside[win]
        ir = e.iris_r * min(e.eh, ew)
        iu, iv = eu + e.gaze_x * max(ew - ir, 0.0) * 0.6, ev + e.gaze_y * e.eh * 0.15
        iris = _ellipse(u - np.float32(iu), v - np.float32(iv), ir, ir)
        shade, depth = head.shade[win], head.depth[win] + np.float32(0.004)
        cv.paint(eye, EYE, e.sclera, shade, depth, win)
        cv.paint(eye & (iris <= 1), EYE, e.iris, shade, depth, win)
        cv.paint(eye & (iris <= 0.2), EYE, (0.05, 0.05, 0.06), shade, depth, win)
        cv.paint(rim & eye, EYE, e.liner, shade, depth, win)

    bw = ew * b.bw
    bu, bv = eu + s * 0.02, ev - e.eh - b.gap - b.bh
    reach = abs(b.arch) + abs(b.tilt) + b.bh
    win = fr.window(cv, bu - bw, bu + bw, bv - reach, bv + reach)
    if win is not None:
        u, v = fr.u[win], fr.v[win]
        tb = (u - np.float32(bu)) * np.float32(1.0 / bw)
        centre = np.float32(bv) - np.float32(b.arch) * (1 - tb * tb) + np.float32(b.tilt * s) * tb
        brow = (np.abs(tb) <= 1) & (np.abs(v - centre) <= np.float32(b.bh) * (
            np.float32(1) - np.float32(0.5) * tb * tb)) & head.inside[win]
        cv.paint(brow, BROW, b.colour, head.shade[win], head.depth[win] - np.float32(0.003),
                 win)
    return eu, ev


def _draw_mouth(cv: _Canvas, fr: _Frame, f: _Face, head: _HeadSurface, mu: float, mv: float
                ) -> Tuple[float, float]:
    """Lips between two curves through the corners (mu -+ mw, mv); open: dark inside, teeth."""
    m = f.mouth
    win = fr.window(cv, mu - m.mw, mu + m.mw, mv - abs(m.smile) - m.mh, mv + abs(m.smile) + m.mh
                    * 1.1)
    if win is None:
        return mu, mv
    u, v = fr.u[win], fr.v[win]
    t = (u - np.float32(mu)) * np.float32(1.0 / m.mw)
    inside = np.maximum(np.float32(1) - t * t, np.float32(0))
    dv = v - (np.float32(mv) + np.float32(m.smile) * inside)  # from the centre line
    half = np.float32(m.mh) * np.sqrt(inside)
    upper, lower = -half * np.float32(0.8), half * np.float32(1.1)
    mouth = (np.abs(t) <= 1) & (dv >= upper) & (dv <= lower) & head.inside[win]
    shade, depth = head.shade[win], head.depth[win]
    cv.paint(mouth, MOUTH, m.lips, shade, depth, win)
    lip = np.float32(m.lip_w)
    if m.open:
        hole = mouth & (dv >= upper + lip) & (dv <= lower - lip)
        cv.paint(hole, MOUTH, (0.25, 0.06, 0.08), shade, depth + np.float32(0.01), win)
        if m.teeth:
            teeth = hole & (dv <= upper + lip + np.float32(0.35 * m.mh))
            cv.paint(teeth, MOUTH, (0.93, 0.92, 0.88), shade, depth + np.float32(0.005), win)
    else:
        cv.paint(mouth & (np.abs(dv) <= np.float32(0.012)), MOUTH, (0.3, 0.1, 0.1), shade, depth,
                 win)
    return mu, mv


def _curl(u: np.ndarray, v: np.ndarray, hair: _Hair) -> np.ndarray:
    """1 + amp * cos(k * angle + phase) around the head (h, w), with only + - * / sqrt.

    cos(k a) and sin(k a) come from Chebyshev recurrences in cos(a), so no per-pixel trig.
    """
    if hair.curl_k == 0:
        return np.ones_like(u)
    r = np.sqrt(u * u + v * v) + np.float32(1e-6)
    c, s = u / r, v / r
    t_prev, t_cur = np.ones_like(c), c  # T_0, T_1
    q_prev, q_cur = np.ones_like(c), 2 * c  # U_0, U_1
    for _ in range(hair.curl_k - 1):
        t_prev, t_cur = t_cur, 2 * c * t_cur - t_prev
        q_prev, q_cur = q_cur, 2 * c * q_cur - q_prev
    cos_k, sin_k = t_cur, s * q_prev  # sin(k a) = sin(a) U_{k-1}(cos a)
    wave = cos_k * np.float32(hair.curl_cos) - sin_k * np.float32(hair.curl_sin)
    return np.float32(1) + np.float32(hair.curl_amp) * wave


def _draw_hair(cv: _Canvas, fr: _Frame, f: _Face) -> None:
    """Hair on and around the head, in front of the forehead (fringes may hide brows and eyes):
    inside the enlarged head outline (with curls) above the hairline, side locks for bob and
    long styles, a bun on top."""
    hair, h = f.hair, f.head
    if hair.style == 'bald':
        return
    ax, ay = h.ax * (1 + hair.thick), h.ay * (1 + hair.thick)
    grow = 1.0 + hair.curl_amp
    top = ay * grow if hair.style != 'bun' else ay * 1.05 + 0.28
    win = fr.window(cv, -ax * grow * 1.02, ax * grow * 1.02, -top, max(hair.side,
                                                                       hair.lock_len, 0.0))
    if win is None:
        return
    u, v = fr.u[win], fr.v[win]
    r2 = _ellipse(u, v, ax, ay)
    line = np.float32(hair.h0) + np.float32(hair.slope) * u + np.float32(hair.h2) * u * u
    curl = _curl(u, v, hair)
    region = (r2 <= curl * curl) & (v <= np.minimum(line, np.float32(hair.side)))
    if hair.lock_len > 0:  # curtains over the sides of the face
        au = np.abs(u)
        region |= ((au >= np.float32(hair.lock_in)) & (au <= np.float32(ax * 1.02)) &
                   (v <= np.float32(hair.lock_len)) & ((v >= 0) | (r2 <= 1)))
    if hair.style == 'bun':
        region |= _ellipse(u, v + np.float32(ay * 1.05), 0.32, 0.28) <= 1
    shade, nz = _lambert(u * np.float32(1.0 / ax), v * np.float32(1.0 / ay),
                         np.minimum(r2, np.float32(1)), f.light)
    # Strands: brightness varies across u (linear interpolation of a 24-entry table).
    table = np.asarray(hair.strands, np.float32)
    pos = np.clip((u + np.float32(1.5)) * np.float32(23 / 3.0), 0, np.float32(22.999))
    i = np.floor(pos)
    frac = pos - i
    i = i.astype(np.intp)
    strands = table[i] + (table[i + 1] - table[i]) * frac
    depth = np.float32(fr.depth - 0.005) - np.float32(0.115) * nz
    cv.paint(region, HAIR, hair.colour, shade * strands, depth, win)


def _draw_accessories(cv: _Canvas, fr: _Frame, f: _Face) -> None:
    """Earrings, glasses and a hat: labelled background (they are not face parts)."""
    acc, h, e = f.acc, f.head, f.eyes
    if acc.earrings is not None:
        colour, radius = acc.earrings.colour, acc.earrings.radius
        for s in (-1.0, 1.0):
            cu, cvv = s * (h.ax - 0.02), e.ey + 0.1 + h.ear_h + radius
            win = fr.window(cv, cu - radius, cu + radius, cvv - radius, cvv + radius)
            if win is not None:
                r2 = _ellipse(fr.u[win] - np.float32(cu), fr.v[win] - np.float32(cvv), radius,
                              radius)
                cv.paint(r2 <= 1, BACKGROUND, colour, 1.0, fr.depth, win)
    if acc.glasses is not None:
        _draw_glasses(cv, fr, f)
    if acc.hat is not None:
        hat = acc.hat
        brim_w, crown_h, crown_w = hat.brim_w, hat.crown_h, hat.crown_w
        bv = -h.ay * hat.brim_v
        win = fr.window(cv, -h.ax * brim_w, h.ax * brim_w, bv - crown_h, bv + 0.06)
        if win is None:
            return
        u, v = fr.u[win], fr.v[win]
        brim = (np.abs(v - np.float32(bv)) <= np.float32(0.06)) & (
            np.abs(u) <= np.float32(h.ax * brim_w))
        crown = (_ellipse(u, v - np.float32(bv), h.ax * crown_w, crown_h) <= 1) & (
            v <= np.float32(bv))
        shade = np.float32(0.75) + np.float32(0.25) * np.clip(
            np.float32(1) - np.abs(u) * np.float32(1.0 / h.ax), 0, 1)
        cv.paint(crown | brim, BACKGROUND, hat.colour, shade, fr.depth - 0.13, win)
        cv.paint(crown & (v >= np.float32(bv - 0.1)), BACKGROUND, hat.band, shade,
                 fr.depth - 0.13, win)


def _draw_glasses(cv: _Canvas, fr: _Frame, f: _Face) -> None:
    """Two elliptic rims around the eyes, a bridge and the arms to the head's sides."""
    g = f.acc.glasses
    thick = g.thick
    h, e = f.head, f.eyes
    shift_u, ev = 0.14 * f.pose.yaw, e.ey + 0.08 * f.pose.pitch
    rims = []
    for s in (-1.0, 1.0):
        rx = e.ew * (1.0 - 0.22 * f.pose.yaw * s) * g.scale
        rims.append((s * e.ex + shift_u, rx, max(e.eh * g.scale * 1.2, rx * 0.7)))
    ry_max = max(r[2] for r in rims)
    u0, u1 = min(-h.ax, rims[0][0] - rims[0][1]), max(h.ax, rims[1][0] + rims[1][1])
    win = fr.window(cv, u0, u1, ev - ry_max, ev + ry_max)
    if win is None:
        return
    u, v = fr.u[win], fr.v[win]
    frame = np.zeros(u.shape, bool)
    for eu, rx, ry in rims:
        du, dv = u - np.float32(eu), v - np.float32(ev)
        frame |= (_ellipse(du, dv, rx, ry) <= 1) & (_ellipse(du, dv, rx - thick, ry - thick) > 1)
    (lu, lrx, _), (ru, rrx, _) = rims
    band = np.abs(v - np.float32(ev - 0.02)) <= np.float32(thick * 0.5)
    bridge = (u >= np.float32(lu + lrx - thick)) & (u <= np.float32(ru - rrx + thick))
    arms = ((u >= np.float32(ru + rrx)) & (u <= np.float32(h.ax * 0.97))) | (
        (u <= np.float32(lu - lrx)) & (u >= np.float32(-h.ax * 0.97)))
    frame |= band & (bridge | arms)
    cv.paint(frame, BACKGROUND, g.colour, 1.0, fr.depth - 0.13, win)


# --------------------------------------------------------------------------------------------
# From sub-pixel samples to output pixels
# --------------------------------------------------------------------------------------------


def _box_sum(a: np.ndarray, factor: int) -> np.ndarray:
    """Sum of each factor x factor block over the last two axes, (..., Hs, Ws) -> (..., H, W).

    The slices are added in a fixed order, so the result does not depend on SIMD paths.
    """
    out = None
    for dy in range(factor):
        for dx in range(factor):
            part = a[..., dy::factor, dx::factor]
            out = part.copy() if out is None else out + part
    return out


def _resolve(cv: _Canvas) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Box-filtered colour (3, H, W) in [0, 1]-ish, majority-class mask (H, W), depth (H, W)."""
    k = cv.factor
    rgb = _box_sum(cv.colour * cv.shade[None], k) * np.float32(1.0 / (k * k))  # (3, H, W)
    onehot = cv.label[None] == np.arange(NUM_CLASSES, dtype=np.uint8)[:, None, None]
    counts = _box_sum(onehot.astype(np.int16), k)  # (C, H, W)
    # argmax returns the first maximum; scanning classes high to low makes ties go to the
    # higher id (the small parts drawn on top).
    mask = (NUM_CLASSES - 1 - np.argmax(counts[::-1], axis=0)).astype(np.uint8)  # (H, W)
    mask_up = np.repeat(np.repeat(mask, k, axis=0), k, axis=1)  # (Hs, Ws)
    won = cv.label == mask_up
    depth_sum = _box_sum(np.where(won, cv.depth, np.float32(0)), k)  # (H, W)
    won_count = np.take_along_axis(counts, mask[None].astype(np.intp), axis=0)[0]
    depth = depth_sum / won_count.astype(np.float32)
    return rgb, mask, depth


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


# --------------------------------------------------------------------------------------------
# Writing a dataset in the MMSeg layout
# --------------------------------------------------------------------------------------------

_SPLIT_RE = re.compile(r'^[A-Za-z0-9][A-Za-z0-9_.-]*$')
_ID_RE = re.compile(r'^toy_(\d{6,})\.png$')
_SKELETON = [[1, 2], [1, 3], [2, 3], [3, 4], [3, 5], [4, 5]]  # 1-based, COCO style


@dataclass(frozen=True)
class ToyWriteResult:
    """What :func:`write_toy_dataset` did: seeds rendered now and seeds already complete."""
    out_dir: Path
    split: str
    written: Tuple[int, ...]
    skipped: Tuple[int, ...]


def toy_sample_id(seed: int) -> str:
    """File stem of a seed's sample, e.g. ``toy_000123`` (at least six digits)."""
    return f'toy_{int(seed):06d}'


def write_toy_dataset(out_dir: Union[str, os.PathLike], num: int, start_seed: int = 0,
                      size: int = 64, split: str = 'train', with_depth: bool = True,
                      with_keypoints: bool = True, force: bool = False,
                      progress: Optional[Callable[[int, bool], None]] = None) -> ToyWriteResult:
    """Render seeds ``start_seed .. start_seed + num - 1`` into ``out_dir`` (MMSeg layout).

    Layout (``<id>`` is :func:`toy_sample_id` of the seed)::

        out_dir/img_dir/<split>/<id>.png    RGB image (H, W, 3)
        out_dir/ann_dir/<split>/<id>.png    palette PNG ('P'); pixel values are class ids
        out_dir/depth_dir/<split>/<id>.png  uint16 depth * DEPTH_SCALE (with_depth)
        out_dir/keypoints/<split>.json      COCO keypoints of every sample of the split
        out_dir/metainfo.json               classes, palette, keypoints, depth scale, size,
                                            seeds per split

    Every file is written to a temporary name in its folder and then renamed, so a file that
    exists is complete. Re-running is cheap: seeds whose files all exist (and, with
    keypoints, have an entry in the split's json) are skipped, so an interrupted run resumes
    and several splits or seed ranges can be added to one folder.

    Args:
        out_dir: dataset root; created if missing. It must be empty or an earlier toy dataset
            of the same ``size`` and renderer version unless ``force`` is set.
        num: number of samples (>= 0).
        start_seed: first seed (>= 0).
        size: image side in pixels (32 .. 256).
        split: sub-folder name, e.g. ``train``, ``val``, ``test``.
        with_depth: also write ``depth_dir``.
        with_keypoints: also write ``keypoints/<split>.json``.
        force: write into any folder, and re-render seeds even when their files exist.
        progress: called as ``progress(seed, written)`` after each seed.

    Returns:
        A :class:`ToyWriteResult` with the seeds written and skipped.

    Raises:
        FileExistsError: ``out_dir`` holds other data and ``force`` is False.
        ValueError: a bad argument, or an unreadable keypoint json of an earlier run.
    """
    _check_args(num, start_seed, size, split)
    out = Path(out_dir)
    _check_folder(out, size, force)
    folders = [out / 'img_dir' / split, out / 'ann_dir' / split]
    if with_depth:
        folders.append(out / 'depth_dir' / split)
    if with_keypoints:
        folders.append(out / 'keypoints')
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
        remove_stale_temporaries(folder)
    _write_metainfo(out, size)  # claims the folder as a toy dataset before the first sample

    kp_path = out / 'keypoints' / f'{split}.json'
    entries = _read_keypoint_entries(kp_path) if with_keypoints and not force else {}
    written, skipped = [], []
    for seed in range(start_seed, start_seed + num):
        name = toy_sample_id(seed) + '.png'
        paths = [folder / name for folder in folders[:3 if with_depth else 2]]
        if not force and all(p.is_file() for p in paths) and (not with_keypoints or
                                                               seed in entries):
            skipped.append(seed)
        else:
            face = render_toy_face(seed, size)
            _write_sample(face, paths)
            if with_keypoints:
                entries[seed] = _coco_entry(face, name, size)
            written.append(seed)
        if progress is not None:
            progress(seed, seed in written)
    if with_keypoints:
        _write_keypoints(kp_path, entries)
    _write_metainfo(out, size)
    return ToyWriteResult(out_dir=out, split=split, written=tuple(written),
                          skipped=tuple(skipped))


def _check_args(num: int, start_seed: int, size: int, split: str) -> None:
    if not isinstance(num, (int, np.integer)) or num < 0:
        raise ValueError(f'write_toy_dataset: num must be an integer >= 0, got {num!r}')
    if not isinstance(start_seed, (int, np.integer)) or start_seed < 0:
        raise ValueError(f'write_toy_dataset: start_seed must be an integer >= 0, '
                         f'got {start_seed!r}')
    if not isinstance(size, (int, np.integer)) or not MIN_SIZE <= size <= MAX_SIZE:
        raise ValueError(f'write_toy_dataset: size must be an integer in [{MIN_SIZE}, '
                         f'{MAX_SIZE}], got {size!r}')
    if not isinstance(split, str) or not _SPLIT_RE.match(split):
        raise ValueError(f'write_toy_dataset: split must be a plain folder name such as '
                         f"'train' (letters, digits, '_', '-', '.'), got {split!r}")


def _check_folder(out: Path, size: int, force: bool) -> None:
    """Allow an empty/missing folder or an earlier toy dataset of this size and renderer."""
    if out.exists() and not out.is_dir():
        raise NotADirectoryError(f'write_toy_dataset: {out} exists and is not a folder')
    if force or not out.exists() or not any(out.iterdir()):
        return
    meta_path = out / 'metainfo.json'
    reason = None
    try:
        meta = json.loads(meta_path.read_text())
    except FileNotFoundError:
        reason = 'has no metainfo.json, so it is not a toy-faces dataset'
    except (OSError, ValueError) as err:
        reason = f'has an unreadable {meta_path.name} ({err})'
    else:
        if not isinstance(meta, dict) or meta.get('kind') != DATASET_KIND:
            reason = f"has a metainfo.json whose 'kind' is not {DATASET_KIND!r}"
        elif meta.get('size') != size:
            reason = f"holds toy faces of size {meta.get('size')}, not {size}"
        elif meta.get('renderer_version') != RENDERER_VERSION:
            reason = (f"was written by toy-face renderer version {meta.get('renderer_version')},"
                      f' this is version {RENDERER_VERSION}')
    if reason is not None:
        raise FileExistsError(
            f'write_toy_dataset: the folder {out} is not empty and {reason}. Choose an empty '
            f'or new folder, or pass force=True (--force in tools/make_toy_data.py) to write '
            f'into it anyway (existing samples with the same ids are then re-rendered).')


def _write_sample(face: ToyFace, paths: List[Path]) -> None:
    """Image, palette mask and (if a third path is given) 16-bit depth PNGs."""
    atomic_write(paths[0], png_bytes(face.image))
    atomic_write(paths[1], png_bytes(face.mask, palette=TOY_FACE_PALETTE))  # palette ('P') PNG
    if len(paths) > 2:
        atomic_write(paths[2], png_bytes(depth_to_png(face.depth)))


def depth_to_png(depth: np.ndarray) -> np.ndarray:
    """Float depth (H, W) to the uint16 (H, W) stored in depth PNGs: round(depth * scale)."""
    return np.clip(np.rint(depth.astype(np.float64) * DEPTH_SCALE), 0, 65535).astype(np.uint16)


def depth_from_png(values: np.ndarray) -> np.ndarray:
    """uint16 (H, W) values of a depth PNG back to float32 depth (H, W)."""
    return (values.astype(np.float32) / np.float32(DEPTH_SCALE)).astype(np.float32)


def _coco_entry(face: ToyFace, file_name: str, size: int) -> Tuple[dict, dict]:
    """(image, annotation) dicts of one sample; the box covers all non-background pixels."""
    seed = face.seed
    rows, cols = np.nonzero(face.mask)
    if rows.size:
        bbox = [int(cols.min()), int(rows.min()), int(cols.max() - cols.min() + 1),
                int(rows.max() - rows.min() + 1)]
    else:
        bbox = [0, 0, 0, 0]
    flat: List[float] = []
    for x, y, v in face.keypoints.tolist():
        flat += [round(x, 3), round(y, 3), int(v)]
    image = {'id': seed, 'file_name': file_name, 'width': size, 'height': size}
    ann = {'id': seed, 'image_id': seed, 'category_id': 1, 'keypoints': flat,
           'num_keypoints': int((face.keypoints[:, 2] > 0).sum()), 'bbox': bbox,
           'area': int(rows.size), 'iscrowd': 0}
    return image, ann


def _read_keypoint_entries(path: Path) -> Dict[int, Tuple[dict, dict]]:
    """Entries of an earlier run's keypoint json by seed ({} when there is none)."""
    if not path.is_file():
        return {}
    try:
        coco = json.loads(path.read_text())
        anns = {a['image_id']: a for a in coco['annotations']}
        return {img['id']: (img, anns[img['id']]) for img in coco['images'] if img['id'] in anns}
    except (ValueError, KeyError, TypeError) as err:
        raise ValueError(f'write_toy_dataset: cannot read the keypoints of an earlier run from '
                         f'{path} ({err!r}); delete that file to re-render its samples, or pass '
                         f'force=True') from err


def _write_keypoints(path: Path, entries: Dict[int, Tuple[dict, dict]]) -> None:
    seeds = sorted(entries)
    coco = {
        'info': {'description': 'mmdsgan toy faces', 'renderer_version': RENDERER_VERSION,
                 'keypoint_coordinates': 'pixel centres at integers'},
        'images': [entries[s][0] for s in seeds],
        'annotations': [entries[s][1] for s in seeds],
        'categories': [{'id': 1, 'name': 'face', 'supercategory': 'face',
                        'keypoints': list(TOY_FACE_KEYPOINTS), 'skeleton': _SKELETON}],
    }
    atomic_write(path, json.dumps(coco, separators=(',', ':')).encode())


def _seeds_on_disk(folder: Path) -> List[int]:
    if not folder.is_dir():
        return []
    return sorted(int(m.group(1)) for m in map(_ID_RE.match, os.listdir(folder)) if m)


def _write_metainfo(out: Path, size: int) -> None:
    """Describe the dataset; seeds per split are read from the image files present."""
    splits = {}
    img_root = out / 'img_dir'
    for split in sorted(os.listdir(img_root)) if img_root.is_dir() else []:
        seeds = _seeds_on_disk(img_root / split)
        depth = set(_seeds_on_disk(out / 'depth_dir' / split))
        splits[split] = {'num': len(seeds), 'seeds': seeds,
                         'depth': bool(seeds) and all(s in depth for s in seeds),
                         'keypoints': (out / 'keypoints' / f'{split}.json').is_file()}
    meta = {
        'kind': DATASET_KIND,
        'renderer_version': RENDERER_VERSION,
        'size': size,
        'supersample': SUPERSAMPLE,
        'classes': list(TOY_FACE_CLASSES),
        'palette': TOY_FACE_PALETTE,
        'keypoints': list(TOY_FACE_KEYPOINTS),
        'keypoint_coordinates': 'x, y in pixels, the centre of pixel (row i, column j) is (j, i)',
        'depth_scale': DEPTH_SCALE,
        'depth_unit': 'metre-like; depth = PNG value / depth_scale',
        'background_depth': BACKGROUND_DEPTH,
        'id_format': 'toy_{seed:06d}',
        'splits': splits,
    }
    # One line per list of numbers (palette colours, seeds) instead of one line per number.
    atomic_write(out / 'metainfo.json', json_text(meta).encode())
