"""Evaluation: per-class mIoU with DatasetGAN's folds, depth errors and keypoint PCK."""
from .metrics import DepthErrorMetric, PCKMetric, PerClassIoUMetric

__all__ = ['DepthErrorMetric', 'PCKMetric', 'PerClassIoUMetric']
