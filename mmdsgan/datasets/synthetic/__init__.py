"""Labeled synthetic datasets: generation (:func:`generate_dataset`, :class:`SyntheticLabeler`),
the manifest and its uncertainty filtering, and the two MMSeg datasets built on them."""
from .generate import generate_dataset
from .interpreter import (GENERATION_DEFAULTS, build_interpreter, build_labeler,
                          find_interpreter_checkpoint, generation_settings, label_metainfo)
from .labeler import LabeledBatch, SyntheticLabeler, seeded_z
from .manifest import filter_manifest, merge_manifest_shards, read_manifest
from .on_the_fly_dataset import OnTheFlySyntheticDataset
from .synthetic_seg_dataset import SyntheticSegDataset, read_synthetic_metainfo

__all__ = ['generate_dataset', 'GENERATION_DEFAULTS', 'build_interpreter', 'build_labeler',
           'find_interpreter_checkpoint', 'generation_settings', 'label_metainfo',
           'LabeledBatch', 'SyntheticLabeler', 'seeded_z', 'filter_manifest',
           'merge_manifest_shards', 'read_manifest', 'OnTheFlySyntheticDataset',
           'SyntheticSegDataset', 'read_synthetic_metainfo']
