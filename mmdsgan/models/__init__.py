"""Models: StyleGAN2 generators and their training, the feature backbone, the interpreter head
and segmentor, and GAN inversion."""
from . import backbones, gan, generators, heads, inversion, segmentors  # noqa: F401
from .generators import Generator, load_generator, save_generator

__all__ = ['Generator', 'load_generator', 'save_generator']
