"""Models: StyleGAN2 generators, the feature backbone, the interpreter head and segmentors."""
from . import backbones, generators, heads, inversion, segmentors  # noqa: F401
