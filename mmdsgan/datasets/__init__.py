"""Datasets: the toy domain, labeled latents, generated synthetic datasets."""
from .toy_faces_dataset import ToyFacesDataset

__all__ = ['ToyFacesDataset']
