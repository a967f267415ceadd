"""The random knobs of one face, drawn before anything is painted.

:func:`_sample_face` draws every knob (pose, head, eyes, brows, nose, mouth, hair, accessories,
lighting, background clutter, texture) from a ``numpy.random.Generator`` in a fixed order and
returns them as frozen dataclasses. All sizes and positions are relative to the image size
(``_Pose``) or to the head unit R (everything else), so a seed gives the same face at every
output size.

Determinism: only ``Generator.random`` draws are used, and every knob is computed with
``+ - * /``, ``sqrt`` and comparisons; angles come from rational or normalised-vector forms,
never from ``sin``/``cos`` (see :mod:`.render`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import numpy as np

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
