"""The interpreter ensemble head (DatasetGAN's style interpreter, HandsOff's label generator)."""
from .interpreter_ensemble_head import InterpreterEnsembleHead

__all__ = ['InterpreterEnsembleHead']
