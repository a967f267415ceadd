"""One optimizer wrapper per sub-network (generator, discriminator): an ``OptimWrapperDict``."""
from __future__ import annotations

import copy

from mmengine.model import is_model_wrapper
from mmengine.optim import DefaultOptimWrapperConstructor, OptimWrapperDict
from mmseg.registry import OPTIM_WRAPPER_CONSTRUCTORS
from torch import nn

__all__ = ['GANOptimWrapperConstructor']


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class GANOptimWrapperConstructor:
    """Build an :class:`OptimWrapperDict` with one wrapper per named sub-module of the model.

    Config (``optim_wrapper`` of a config file)::

        optim_wrapper = dict(
            constructor='GANOptimWrapperConstructor',
            generator=dict(optimizer=dict(type='Adam', lr=0.0025, betas=(0, 0.99))),
            discriminator=dict(optimizer=dict(type='Adam', lr=0.0025, betas=(0, 0.99))))

    Every entry whose value is a dict with an ``optimizer`` names a sub-module (``model.<name>``)
    and configures its wrapper, as for a single-optimizer model (``type``, ``clip_grad``,
    ``paramwise_cfg``, ...). The other top-level keys are defaults for all entries, overridden by
    an entry's own keys: so ``tools/train.py --amp`` (which sets the top-level
    ``type='AmpOptimWrapper'`` and ``loss_scale='dynamic'``) switches every network to AMP as
    long as the entries do not set ``type`` themselves.

    Args:
        optim_wrapper_cfg: the ``optim_wrapper`` config without ``constructor``.
        paramwise_cfg: not supported at the top level (put it inside an entry).
    """

    def __init__(self, optim_wrapper_cfg: dict, paramwise_cfg: dict | None = None) -> None:
        if paramwise_cfg is not None:
            raise ValueError('GANOptimWrapperConstructor: put paramwise_cfg inside '
                             'optim_wrapper.generator / optim_wrapper.discriminator, not at the '
                             'top level of optim_wrapper')
        cfg = copy.deepcopy(dict(optim_wrapper_cfg))
        self.entries = {name: dict(value) for name, value in cfg.items()
                        if isinstance(value, dict) and 'optimizer' in value}
        self.defaults = {k: v for k, v in cfg.items() if k not in self.entries}
        if not self.entries:
            raise ValueError('GANOptimWrapperConstructor: optim_wrapper has no entry '
                             'name=dict(optimizer=...), e.g. generator=dict(optimizer=dict('
                             'type="Adam", lr=0.0025, betas=(0, 0.99)))')

    def __call__(self, model: nn.Module) -> OptimWrapperDict:
        module = model.module if is_model_wrapper(model) else model
        wrappers = {}
        for name, entry in self.entries.items():
            sub_module = getattr(module, name, None)
            if not isinstance(sub_module, nn.Module):
                raise ValueError(f'GANOptimWrapperConstructor: optim_wrapper.{name} names no '
                                 f'sub-module of {type(module).__name__}; use one of '
                                 f'{[n for n, _ in module.named_children()]}')
            cfg = {**copy.deepcopy(self.defaults), **entry}
            paramwise_cfg = cfg.pop('paramwise_cfg', None)
            wrappers[name] = DefaultOptimWrapperConstructor(cfg, paramwise_cfg)(sub_module)
        return OptimWrapperDict(**wrappers)
