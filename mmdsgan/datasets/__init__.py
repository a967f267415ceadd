"""Datasets: real labeled inputs and the toy domain, labeled latents (what the interpreter
trains on), latent seeds (encoder training), and generated synthetic datasets."""
from . import transforms  # noqa: F401  (registers LoadLatent, LoadLabel, PackLatentInputs)
from .labeled_latent_dataset import LabeledLatentDataset
from .labeled_latent_writer import LabeledLatentWriter
from .latent_seed_dataset import LatentSeedDataset
from .real_labeled import RealDataError, RealLabeledSet, RealSample, read_real_labeled
from .square_fit import SquareFit
from .synthetic import OnTheFlySyntheticDataset, SyntheticSegDataset, generate_dataset
from .toy_faces_dataset import ToyFacesDataset

__all__ = ['LabeledLatentDataset', 'LabeledLatentWriter', 'LatentSeedDataset', 'RealDataError',
           'RealLabeledSet', 'RealSample', 'read_real_labeled', 'SquareFit',
           'OnTheFlySyntheticDataset', 'SyntheticSegDataset', 'generate_dataset',
           'ToyFacesDataset']
