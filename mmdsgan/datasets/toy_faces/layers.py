"""The layers of a face, painted back to front onto the canvas.

Background (gradient and clutter), body (hair behind the head, neck, clothes, ears), face
(head, blush, nose, eyes, brows, mouth), hair in front of the forehead, accessories (earrings,
glasses, hat). Each ``_draw_*`` function evaluates its shapes only inside a conservative
window of the canvas and sets class, colour, shading and depth where the shape is.
"""
from __future__ import annotations

from typing import Dict, Tuple, Union

import numpy as np

from .canvas import FULL, _Canvas, _Frame
from .constants import BACKGROUND, BACKGROUND_DEPTH, BROW, EYE, HAIR, MOUTH, NOSE, SKIN
from .sampling import _Background, _Face, _Hair, _Light


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
