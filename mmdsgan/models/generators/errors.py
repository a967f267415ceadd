"""Errors raised while reading generator checkpoints."""
from __future__ import annotations

from mmdsgan.utils.checkpoint import UnsafeCheckpointError

__all__ = ['GeneratorLoadError', 'UnsafeCheckpointError']


class GeneratorLoadError(ValueError):
    """A generator checkpoint is of an unknown or unsupported kind, or its weights do not fit."""
