"""Training a StyleGAN2 from images with the MMEngine Runner (for users without a pretrained GAN):
the residual discriminator, the GAN model with its losses and EMA, differentiable augmentation,
the two-optimizer constructor and the distributed wrapper."""
from .adaptive_augment import AdaptiveAugment
from .ddp_wrapper import GANDistributedDataParallel
from .diff_augment import DiffAugment
from .discriminator import StyleGAN2Discriminator
from .ema import ema_beta, update_ema
from .losses import discriminator_loss, generator_loss, path_lengths, r1_penalty
from .optim_constructor import GANOptimWrapperConstructor
from .stylegan2_gan import StyleGAN2GAN

__all__ = ['StyleGAN2Discriminator', 'StyleGAN2GAN', 'DiffAugment', 'AdaptiveAugment',
           'GANOptimWrapperConstructor', 'GANDistributedDataParallel', 'ema_beta', 'update_ema',
           'generator_loss', 'discriminator_loss', 'r1_penalty', 'path_lengths']
