"""Labeled synthetic datasets on disk: writing them (:func:`generate_dataset`; the labeling itself
is :mod:`mmdsgan.models.labeling`), the manifest and its uncertainty filtering, and the two MMSeg
datasets built on them (segmentation, depth, keypoints)."""
from .generate import generate_dataset
from .manifest import filter_manifest, merge_manifest_shards, read_manifest
from .on_the_fly_dataset import OnTheFlySyntheticDataset
from .synthetic_seg_dataset import (SyntheticDepthDataset, SyntheticKeypointDataset,
                                    SyntheticSegDataset, check_depth_rescale,
                                    read_synthetic_metainfo)

__all__ = ['generate_dataset', 'filter_manifest', 'merge_manifest_shards', 'read_manifest',
           'OnTheFlySyntheticDataset', 'SyntheticSegDataset', 'SyntheticDepthDataset',
           'SyntheticKeypointDataset', 'check_depth_rescale', 'read_synthetic_metainfo']
