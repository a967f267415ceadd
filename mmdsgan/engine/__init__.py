"""Engine: MMEngine hooks (generator export during GAN training, DatasetGAN's early stop)."""
from .generator_export_hook import GeneratorExportHook
from .loss_plateau_hook import LossPlateauStoppingHook

__all__ = ['GeneratorExportHook', 'LossPlateauStoppingHook']
