"""Constants of the toy domain: classes and their palette, keypoint names, depth units, the
renderer's supersampling, version and size range."""
from __future__ import annotations

from typing import List, Tuple

__all__ = ['TOY_FACE_CLASSES', 'TOY_FACE_PALETTE', 'TOY_FACE_KEYPOINTS', 'DEPTH_SCALE',
           'BACKGROUND_DEPTH', 'SUPERSAMPLE', 'RENDERER_VERSION', 'BACKGROUND', 'SKIN', 'HAIR',
           'EYE', 'BROW', 'MOUTH', 'NOSE', 'NUM_CLASSES', 'MIN_SIZE', 'MAX_SIZE']

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

#: Class ids, in the order of :data:`TOY_FACE_CLASSES`.
BACKGROUND, SKIN, HAIR, EYE, BROW, MOUTH, NOSE = range(len(TOY_FACE_CLASSES))
NUM_CLASSES = len(TOY_FACE_CLASSES)
#: Smallest and largest image side in pixels.
MIN_SIZE, MAX_SIZE = 32, 256
