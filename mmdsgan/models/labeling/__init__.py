"""Labeling generated images: seeds -> latents -> images with labels and uncertainty
(:class:`SyntheticLabeler`), and the builders from an interpreter config."""
from .builder import (GENERATION_DEFAULTS, build_interpreter, build_labeler,
                      find_interpreter_checkpoint, generation_settings, label_metainfo)
from .labeler import LabeledBatch, SyntheticLabeler

__all__ = ['GENERATION_DEFAULTS', 'build_interpreter', 'build_labeler',
           'find_interpreter_checkpoint', 'generation_settings', 'label_metainfo',
           'LabeledBatch', 'SyntheticLabeler']
