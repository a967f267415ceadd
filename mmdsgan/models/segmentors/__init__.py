"""Segmentors for the MMEngine Runner: the frozen feature backbone plus the interpreter head."""
from .dataset_gan_interpreter import DatasetGANInterpreter
from .keypoint_estimator import KeypointEstimator

__all__ = ['DatasetGANInterpreter', 'KeypointEstimator']
