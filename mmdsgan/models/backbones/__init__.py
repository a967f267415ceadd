"""Backbones (registered in MMSeg's MODELS registry)."""
from .stylegan2_feature_backbone import StyleGAN2FeatureBackbone, sample_hypercolumns

__all__ = ['StyleGAN2FeatureBackbone', 'sample_hypercolumns']
