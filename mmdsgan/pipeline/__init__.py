"""One command for the whole HandsOff / DatasetGAN flow of any domain (``tools/handsoff.py``):
an experiment config (:mod:`.experiment`) run as a chain of the project's tools
(:mod:`.handsoff`), each a resumable stage (:mod:`.stages`)."""
from .experiment import ARM_KINDS, fill_placeholders, load_experiment
from .handsoff import HandsOffPipeline, flat_options
from .stages import StageFailed, StageRunner

__all__ = ['ARM_KINDS', 'fill_placeholders', 'load_experiment', 'HandsOffPipeline',
           'flat_options', 'StageFailed', 'StageRunner']
