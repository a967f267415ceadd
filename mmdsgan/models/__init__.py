"""Models (everything that computes): StyleGAN2 generators and their training, the feature
backbone, the interpreter head and segmentor, labeling generated images, and GAN inversion."""
from . import backbones, gan, generators, heads, inversion, labeling, segmentors  # noqa: F401
from .generators import Generator, load_generator, save_generator

__all__ = ['Generator', 'load_generator', 'save_generator']
