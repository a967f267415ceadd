"""Differentiable augmentation for GAN training on small data (DiffAugment-style, Zhao et al. 2020).

The same random transformations are applied to real and generated images just before the
discriminator, and gradients flow through them (also twice, for the R1 penalty), so D never sees
un-augmented images and G cannot learn the augmentations: D overfits a small training set much
later. Only 'non-leaking' transformations are used: x-flip, integer translation with zero
(= mid-grey) padding, brightness, saturation and contrast.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from mmseg.registry import MODELS
from torch import nn

__all__ = ['DiffAugment']


@MODELS.register_module()
class DiffAugment(nn.Module):
    """Random per-sample augmentations, differentiable w.r.t. the images.

    Each enabled transformation is applied to each sample independently with probability
    ``prob`` (ADA's ``p``, here fixed).

    Args:
        prob: probability of applying each transformation to a sample (0 = identity).
        xflip: mirror left-right (with probability ``prob / 2``: half of the chosen samples).
        translation: maximum shift as a fraction of the image side (0.125 = ±1/8); integer
            pixels, zero padding.
        brightness: add ``U(-brightness, brightness)`` (images in [-1, 1]).
        saturation: scale the deviation from the per-pixel channel mean by
            ``1 + U(-saturation, saturation)``.
        contrast: scale the deviation from the image mean by ``1 + U(-contrast, contrast)``.

    Shapes: (N, C, H, W) -> (N, C, H, W).
    """

    def __init__(self, prob: float = 1.0, xflip: bool = True, translation: float = 0.125,
                 brightness: float = 0.5, saturation: float = 1.0, contrast: float = 0.5) -> None:
        super().__init__()
        if not 0 <= prob <= 1:
            raise ValueError(f'DiffAugment: prob must be in [0, 1], got {prob}')
        self.prob = prob
        self.xflip = xflip
        self.translation = translation
        self.brightness = brightness
        self.saturation = saturation
        self.contrast = contrast

    def _chosen(self, img: torch.Tensor) -> torch.Tensor:
        """(N, 1, 1, 1) 1.0 for the samples that get a transformation, else 0.0."""
        return (torch.rand(img.shape[0], 1, 1, 1, device=img.device) < self.prob).to(img.dtype)

    def _uniform(self, img: torch.Tensor, amount: float) -> torch.Tensor:
        """(N, 1, 1, 1) ``U(-amount, amount)`` for the chosen samples, 0 for the others."""
        u = torch.rand(img.shape[0], 1, 1, 1, device=img.device, dtype=img.dtype) * 2 - 1
        return u * amount * self._chosen(img)

    def _translate(self, img: torch.Tensor) -> torch.Tensor:
        n, _, h, w = img.shape
        my, mx = round(self.translation * h), round(self.translation * w)
        if my == 0 and mx == 0:
            return img
        chosen = self._chosen(img).reshape(n, 1, 1).long()
        dy = torch.randint(-my, my + 1, (n, 1, 1), device=img.device) * chosen
        dx = torch.randint(-mx, mx + 1, (n, 1, 1), device=img.device) * chosen
        padded = F.pad(img, [mx, mx, my, my]).permute(0, 2, 3, 1)  # (N, H + 2my, W + 2mx, C)
        rows = torch.arange(h, device=img.device).reshape(1, h, 1) + my - dy  # (N, H, 1)
        cols = torch.arange(w, device=img.device).reshape(1, 1, w) + mx - dx  # (N, 1, W)
        batch = torch.arange(n, device=img.device).reshape(n, 1, 1)
        # Gather (not grid_sample): indexing has a double backward, needed by R1.
        return padded[batch, rows, cols].permute(0, 3, 1, 2)  # (N, C, H, W)

    def forward(self, img: torch.Tensor) -> torch.Tensor:
        if self.prob == 0:
            return img
        if self.xflip:
            flip = self._chosen(img) * (torch.rand_like(img[:, :1, :1, :1]) < 0.5)
            img = torch.where(flip.bool(), img.flip(3), img)
        if self.brightness:
            img = img + self._uniform(img, self.brightness)
        if self.saturation:
            mean = img.mean(dim=1, keepdim=True)  # (N, 1, H, W)
            img = mean + (img - mean) * (1 + self._uniform(img, self.saturation))
        if self.contrast:
            mean = img.mean(dim=[1, 2, 3], keepdim=True)  # (N, 1, 1, 1)
            img = mean + (img - mean) * (1 + self._uniform(img, self.contrast))
        if self.translation:
            img = self._translate(img)
        return img

    def extra_repr(self) -> str:
        return (f'prob={self.prob}, xflip={self.xflip}, translation={self.translation}, '
                f'brightness={self.brightness}, saturation={self.saturation}, '
                f'contrast={self.contrast}')
