"""mmdsgan: labeled synthetic datasets from StyleGAN2 for MMSegmentation 1.x.

``import mmdsgan`` (or ``custom_imports=dict(imports=['mmdsgan'])`` in a config) registers every
module of the package in MMSeg's registries and lets MMEngine checkpoints load under torch's safe
unpickler (:mod:`mmdsgan.utils.checkpoint`).
"""
from .utils.checkpoint import register_safe_checkpoint_loading

register_safe_checkpoint_loading()

from . import datasets, engine, evaluation, models  # noqa: E402,F401  (registration)

__version__ = '0.1.0'
