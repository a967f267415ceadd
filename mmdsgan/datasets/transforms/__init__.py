"""Pipeline transforms of mmdsgan's datasets."""
from .keypoint_transforms import PackKeypointInputs
from .latent_transforms import LoadLabel, LoadLatent, PackLatentInputs

__all__ = ['LoadLatent', 'LoadLabel', 'PackLatentInputs', 'PackKeypointInputs']
