"""StyleGAN2 generator in plain PyTorch, and loading of NVIDIA / rosinality / mmdsgan generator
files without running code from them. No MMSeg import here."""
from .errors import GeneratorLoadError, UnsafeCheckpointError
from .generator import Generator
from .loading import (FORMAT_NAME, GeneratorCheckpoint, build_generator, estimate_w_avg,
                      load_generator, read_generator_checkpoint, save_generator)
from .mapping import MappingNetwork, truncate
from .rosinality import from_rosinality, rosinality_key_pairs, to_rosinality
from .seeds import seed_rng, z_from_seeds
from .synthesis import SynthesisNetwork

__all__ = ['Generator', 'MappingNetwork', 'SynthesisNetwork', 'truncate', 'load_generator',
           'save_generator', 'read_generator_checkpoint', 'build_generator', 'estimate_w_avg',
           'GeneratorCheckpoint', 'FORMAT_NAME', 'UnsafeCheckpointError', 'GeneratorLoadError',
           'rosinality_key_pairs', 'to_rosinality', 'from_rosinality', 'seed_rng', 'z_from_seeds']
