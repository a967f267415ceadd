"""Datasets: real labeled inputs and the toy domain, labeled latents (what the interpreter
trains on), latent seeds (encoder training), and generated synthetic datasets."""
from . import transforms  # noqa: F401  (registers LoadLatent, LoadLabel, PackLatentInputs)
from .real import (CarPartsDataset, CelebAMaskHQDataset, CityscapesLabelIdsDataset, ClassMerge,
                   CocoSegDataset, DeepFashionMMDataset, LoadRealAnnotations)
from .labeled_latent_dataset import LabeledLatentDataset
from .labeled_latent_writer import LabeledLatentWriter
from .latent_seed_dataset import LatentSeedDataset
from .real_labeled import RealDataError, RealLabeledSet, RealSample, read_real_labeled
from .square_fit import SquareFit
from .synthetic import (OnTheFlySyntheticDataset, SyntheticDepthDataset,
                        SyntheticKeypointDataset, SyntheticSegDataset, generate_dataset)
from .toy_faces_dataset import ToyFacesDataset, ToyFacesDepthDataset, ToyFacesKeypointDataset

__all__ = ['LabeledLatentDataset', 'LabeledLatentWriter', 'LatentSeedDataset', 'RealDataError',
           'RealLabeledSet', 'RealSample', 'read_real_labeled', 'SquareFit',
           'OnTheFlySyntheticDataset', 'SyntheticSegDataset', 'SyntheticDepthDataset',
           'SyntheticKeypointDataset', 'generate_dataset', 'ToyFacesDataset',
           'ToyFacesDepthDataset', 'ToyFacesKeypointDataset', 'CarPartsDataset',
           'CelebAMaskHQDataset', 'CityscapesLabelIdsDataset', 'ClassMerge', 'CocoSegDataset',
           'DeepFashionMMDataset', 'LoadRealAnnotations']
