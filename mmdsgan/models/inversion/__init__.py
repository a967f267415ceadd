"""HandsOff inversion: an encoder trained on generator samples, per-image W+ optimisation
(LPIPS + MSE + latent regulariser), and offline LPIPS."""
from .encoder import InversionEncoder
from .encoder_model import GeneratorInversionModel
from .inverter import INVERSION_DEFAULTS, ImageInverter, InversionResult, build_inverter
from .lpips_loss import LPIPSBackboneError, build_lpips, default_lpips_backbone
from .optimizer import optimize_latents, projector_lr
from .selection import k_center_greedy

__all__ = ['InversionEncoder', 'GeneratorInversionModel', 'INVERSION_DEFAULTS', 'ImageInverter',
           'InversionResult', 'build_inverter', 'LPIPSBackboneError', 'build_lpips',
           'default_lpips_backbone', 'optimize_latents', 'projector_lr', 'k_center_greedy']
