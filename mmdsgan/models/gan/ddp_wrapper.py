"""Distributed training of a GAN: each network that takes a separate forward call gets its own
``MMDistributedDataParallel``.

MMEngine's ``MMSeparateDistributedDataParallel`` wraps the model's direct children
(``generator``, ``discriminator``). StyleGAN2 training calls ``generator.mapping`` and
``generator.synthesis`` separately (style mixing, path-length regularisation), which would bypass
a wrapped generator's ``forward`` and so its gradient all-reduce. This wrapper wraps the
sub-modules named in ``wrap_modules`` instead (as StyleGAN2-ADA wraps ``G_mapping``,
``G_synthesis`` and ``D``). State dicts keep their plain names: MMEngine's checkpoint functions
strip nested wrappers.
"""
from __future__ import annotations

from contextlib import ExitStack, contextmanager
from typing import Iterator, Sequence

from mmengine.device import get_device
from mmengine.model import MMDistributedDataParallel, MMSeparateDistributedDataParallel
from mmseg.registry import MODEL_WRAPPERS
from torch import nn
from torch.nn.parallel import DistributedDataParallel

__all__ = ['GANDistributedDataParallel']


@MODEL_WRAPPERS.register_module()
class GANDistributedDataParallel(MMSeparateDistributedDataParallel):
    """Wrap the sub-modules at the dotted paths ``wrap_modules`` in ``MMDistributedDataParallel``.

    Config: ``model_wrapper_cfg = dict(type='GANDistributedDataParallel')``. The Runner uses it
    only when launched distributed (``tools/dist_train.sh``); it then passes ``device_ids``.

    Args:
        module: the GAN model (e.g. :class:`StyleGAN2GAN`).
        wrap_modules: dotted paths of the sub-modules called by their own forward.
        broadcast_buffers: as DDP; False: ``w_avg`` and the running PL mean stay per process
            (StyleGAN2-ADA does the same), and no broadcast runs on every forward.
        find_unused_parameters: as DDP; not needed, every wrapped parameter gets a gradient in
            its network's step.
        **kwargs: other ``DistributedDataParallel`` arguments (``device_ids``, ...).
    """

    def __init__(self, module: nn.Module,
                 wrap_modules: Sequence[str] = ('generator.mapping', 'generator.synthesis',
                                                'discriminator'),
                 broadcast_buffers: bool = False, find_unused_parameters: bool = False,
                 **kwargs) -> None:
        # Like the parent: initialise as a plain nn.Module, DDP's own state is not used.
        super(DistributedDataParallel, self).__init__()
        self.module = module.to(get_device())
        self.wrapped: list[MMDistributedDataParallel] = []
        for path in wrap_modules:
            parent_path, _, name = path.rpartition('.')
            try:
                parent = module.get_submodule(parent_path) if parent_path else module
                child = parent._modules[name]
            except (AttributeError, KeyError) as err:
                raise ValueError(f'GANDistributedDataParallel: wrap_modules entry {path!r} is '
                                 f'not a sub-module of {type(module).__name__}') from err
            wrapped = MMDistributedDataParallel(
                module=child, broadcast_buffers=broadcast_buffers,
                find_unused_parameters=find_unused_parameters, **kwargs)
            parent._modules[name] = wrapped
            self.wrapped.append(wrapped)

    @contextmanager
    def no_sync(self) -> Iterator[None]:
        """No gradient all-reduce in any wrapped sub-module."""
        with ExitStack() as stack:
            for wrapped in self.wrapped:
                stack.enter_context(wrapped.no_sync())
            yield
