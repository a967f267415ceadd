"""DatasetGAN's early stopping on the training loss, as an MMEngine hook."""
from __future__ import annotations

import math

from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmseg.registry import HOOKS

__all__ = ['LossPlateauStoppingHook']


@HOOKS.register_module()
class LossPlateauStoppingHook(Hook):
    """Stop training when the batch loss has not beaten its best for ``patience`` iterations.

    DatasetGAN's rule (after epoch 3, stop once 50 consecutive iterations fail to beat the best
    batch loss), counted in iterations so it suits ``IterBasedTrainLoop``. For a validation
    metric use MMEngine's ``EarlyStoppingHook`` instead (it needs a val loop).

    Args:
        patience: iterations without a new best before stopping.
        min_iters: no stopping before this many iterations (DatasetGAN: 3 epochs).
        loss_key: the entry of the train step's log variables to watch.
        min_delta: an improvement must beat the best by more than this.
    """

    priority = 'LOW'

    def __init__(self, patience: int = 50, min_iters: int = 0, loss_key: str = 'loss',
                 min_delta: float = 0.0) -> None:
        if patience < 1:
            raise ValueError(f'LossPlateauStoppingHook: patience must be >= 1, got {patience}')
        self.patience = patience
        self.min_iters = min_iters
        self.loss_key = loss_key
        self.min_delta = min_delta
        self.best = math.inf
        self.since_best = 0

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if not outputs or self.loss_key not in outputs:
            raise KeyError(f'LossPlateauStoppingHook: the train step logged no '
                           f'{self.loss_key!r}; set loss_key to one of '
                           f'{sorted(outputs or {})}')
        loss = float(outputs[self.loss_key])
        if loss < self.best - self.min_delta:
            self.best, self.since_best = loss, 0
        else:
            self.since_best += 1
        if runner.iter + 1 >= self.min_iters and self.since_best >= self.patience:
            print_log(f'LossPlateauStoppingHook: no batch loss below {self.best:.5f} for '
                      f'{self.since_best} iterations; stopping at iteration {runner.iter + 1}',
                      logger='current')
            runner.train_loop.stop_training = True
