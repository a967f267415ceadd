"""The interpreter ensemble head (DatasetGAN's style interpreter, HandsOff's label generator),
and the downstream depth and keypoint decode heads."""
from .depth_regression_head import DepthRegressionHead
from .interpreter_ensemble_head import InterpreterEnsembleHead
from .keypoint_heatmap_head import KeypointHeatmapHead

__all__ = ['InterpreterEnsembleHead', 'DepthRegressionHead', 'KeypointHeatmapHead']
