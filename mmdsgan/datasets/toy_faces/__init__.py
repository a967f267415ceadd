"""The built-in toy domain: procedural cartoon faces with exact part masks, depth and keypoints.

A new user can see the whole DatasetGAN / HandsOff method work offline on a CPU with this
domain: :func:`render_toy_face` turns an integer seed into a labeled sample, and
:func:`write_toy_dataset` writes many of them in the MMSeg folder layout (see
``docs/toy_domain.md`` and ``tools/make_toy_data.py``). Depth PNGs hold
``encode_depth(depth, DEPTH_SCALE)`` (:mod:`mmdsgan.tasks.depth`).

Modules, in reading order:

- :mod:`.constants`: classes, palette, keypoint names, depth units, size range, versions.
- :mod:`.sampling`: the random knobs of one face, drawn from the seed.
- :mod:`.canvas`: the supersampled canvas, the face's frame, the resolve to output pixels.
- :mod:`.layers`: the parts of a face, painted back to front.
- :mod:`.render`: :func:`render_toy_face` and :class:`ToyFace`.
- :mod:`.coco`: the COCO keypoints json of a split.
- :mod:`.writer`: :func:`write_toy_dataset` (claim the folder, write, resume).
"""
from .constants import (BACKGROUND_DEPTH, DEPTH_SCALE, SUPERSAMPLE, TOY_FACE_CLASSES,
                        TOY_FACE_KEYPOINTS, TOY_FACE_PALETTE)
from .render import ToyFace, render_toy_face
from .writer import ToyWriteResult, toy_sample_id, write_toy_dataset

__all__ = [
    'TOY_FACE_CLASSES', 'TOY_FACE_PALETTE', 'TOY_FACE_KEYPOINTS', 'DEPTH_SCALE',
    'BACKGROUND_DEPTH', 'SUPERSAMPLE', 'ToyFace', 'ToyWriteResult', 'render_toy_face',
    'toy_sample_id', 'write_toy_dataset'
]
