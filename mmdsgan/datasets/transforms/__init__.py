"""Pipeline transforms of mmdsgan's datasets."""
from .latent_transforms import LoadLabel, LoadLatent, PackLatentInputs

__all__ = ['LoadLatent', 'LoadLabel', 'PackLatentInputs']
