"""What every label type provides, and the registry that finds one by name.

A label type (``'seg'``, ``'depth'``, ``'keypoints'``) is one :class:`LabelTask` subclass in its
own module of this package. Every other part of mmdsgan asks the task instead of branching on
its name:

=====================  ===========================================================================
files                  ``label_ext``, :meth:`~LabelTask.encode`, :meth:`~LabelTask.read`,
                       :meth:`~LabelTask.meta_entries`, :meth:`~LabelTask.overlay`
real images            :meth:`~LabelTask.fit` (a label resized with its image)
loading               ``results_key``, ``gt_field``, :meth:`~LabelTask.pack_ground_truth`
interpreter training   :meth:`~LabelTask.num_outputs`, :meth:`~LabelTask.targets`,
                       :meth:`~LabelTask.sampling_groups`, :meth:`~LabelTask.pixel_targets`,
                       :meth:`~LabelTask.pixel_loss`
ensemble prediction    :meth:`~LabelTask.new_prediction`, :meth:`~LabelTask.reduce_band`,
                       :meth:`~LabelTask.finish_prediction`, :meth:`~LabelTask.pack`,
                       :meth:`~LabelTask.generated_label`, ``uncertainty`` (what the per-pixel
                       uncertainty is)
downstream             ``metric`` (the registered metric that scores it)
=====================  ===========================================================================

Adding a label type: write ``mmdsgan/tasks/<name>.py`` with a subclass decorated by
:func:`register_task`, import it in ``mmdsgan/tasks/__init__.py``, and add a test
(``docs/adding_a_label_type.md``).
"""
from __future__ import annotations

import math
from typing import Any, ClassVar, Sequence

import numpy as np
import torch
from mmengine.structures import PixelData

from mmdsgan.utils.errors import MmdsganError

__all__ = ['LabelTask', 'LabelFileError', 'register_task', 'get_task', 'task_names',
           'top_ratio_score']

_REGISTRY: dict[str, 'LabelTask'] = {}


class LabelFileError(MmdsganError, ValueError):
    """A label, latent or meta file is missing or malformed; the message names the file and
    says how to fix it."""


def register_task(cls: type['LabelTask']) -> type['LabelTask']:
    """Class decorator: register one instance of ``cls`` under ``cls.name``."""
    if not cls.name or cls.name in _REGISTRY:
        raise ValueError(f'label task name {cls.name!r} is empty or registered twice')
    _REGISTRY[cls.name] = cls()
    return cls


def get_task(name: str | 'LabelTask') -> 'LabelTask':
    """The registered task called ``name`` (a task passes through)."""
    if isinstance(name, LabelTask):
        return name
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise ValueError(f'unknown label task {name!r}: use one of {task_names()}') from None


def task_names() -> tuple[str, ...]:
    """Names of the registered tasks, in registration order."""
    return tuple(_REGISTRY)


def top_ratio_score(uncertainty: torch.Tensor, top_ratio: float) -> torch.Tensor:
    """Per-image score: the mean of the ``ceil(top_ratio * pixels)`` largest values (at least 1).

    Args:
        uncertainty: (N, H, W).
        top_ratio: fraction in (0, 1].

    Returns:
        (N,).
    """
    if not 0 < top_ratio <= 1:
        raise ValueError(f'top_ratio must be in (0, 1], got {top_ratio}')
    flat = uncertainty.flatten(1)  # (N, H*W)
    k = max(1, math.ceil(top_ratio * flat.shape[1]))
    return flat.topk(k, dim=1).values.mean(1)


class LabelTask:
    """One label type. Subclasses set the class attributes and implement the methods.

    Attributes:
        name: the task's name in configs and files.
        label_ext: extension of its label files (``'.png'`` or ``'.json'``).
        gt_field: the ``SegDataSample`` field of its ground truth.
        results_key: the key of its label in a data pipeline's ``results`` dict.
        metric: the registered metric type that scores a downstream model.
        uncertainty: what the per-pixel uncertainty of the ensemble is.
    """
    name: ClassVar[str] = ''
    label_ext: ClassVar[str] = '.png'
    gt_field: ClassVar[str] = ''
    results_key: ClassVar[str] = ''
    metric: ClassVar[str] = ''
    uncertainty: ClassVar[str] = ''

    def __repr__(self) -> str:
        return f'{type(self).__name__}()'

    # ------------------------------------------------------------------------------- files
    def encode(self, label: np.ndarray, size: tuple[int, int],
               palette: Sequence[Sequence[int]] | None, depth_scale: float) -> bytes:
        """The bytes of a label file (``label_ext``) for a label of an image of ``size``."""
        raise NotImplementedError

    def read(self, path: str, meta: dict[str, Any]) -> tuple[np.ndarray, tuple[int, int]]:
        """A label file -> ``(label, (H, W) of its image)``; ``meta`` holds ``num_classes``,
        ``depth_scale`` and the like."""
        raise NotImplementedError

    def meta_entries(self, classes: Sequence[str], palette: Sequence[Sequence[int]],
                     depth_scale: float) -> dict[str, Any]:
        """Task-specific entries of a labeled-latent folder's meta file."""
        return {}

    def overlay(self, image: np.ndarray, label: np.ndarray,
                palette: Sequence[Sequence[int]], depth_scale: float = 1.0) -> np.ndarray:
        """(H, W, 3) uint8 picture of ``label`` over ``image`` (previews); by default the image
        alone."""
        return np.array(image, dtype=np.uint8, copy=True)

    def fit(self, fit, label: np.ndarray) -> np.ndarray:
        """A real image's label resized with ``fit`` (:class:`~mmdsgan.datasets.SquareFit`)."""
        return fit.nearest(label)

    # -------------------------------------------------------------- interpreter training
    def num_outputs(self, num_classes: int) -> int:
        """Channels K of the head's output for ``num_classes`` classes / keypoints."""
        return num_classes

    def targets(self, data_samples: Sequence, out_size: tuple[int, int],
                device: torch.device) -> torch.Tensor:
        """The samples' labels on the output grid."""
        raise NotImplementedError

    def sampling_groups(self, labels: torch.Tensor, n: int, out_size: tuple[int, int],
                        head, balanced: bool) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``(valid (N, H*W) bool, groups (N, H*W) long or None)`` for pixel sampling."""
        raise NotImplementedError

    def pixel_targets(self, labels: torch.Tensor, coords: torch.Tensor, head
                      ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Targets at ``coords`` (P, 3) ``(batch, y, x)``: ``(targets, valid or None)``."""
        return labels[coords[:, 0], coords[:, 1], coords[:, 2]], None

    def pixel_loss(self, out: torch.Tensor, targets: torch.Tensor,
                   valid: torch.Tensor | None, head) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-pixel loss and its mask for member outputs ``out`` (M, P, K)."""
        raise NotImplementedError

    # -------------------------------------------------------------- ensemble prediction
    def new_prediction(self, ref: torch.Tensor, n: int, k: int, height: int,
                       width: int) -> dict[str, torch.Tensor]:
        """Empty full-size buffers that :meth:`reduce_band` fills."""
        raise NotImplementedError

    def reduce_band(self, out: torch.Tensor, rows: slice, buffers: dict[str, torch.Tensor],
                    head) -> None:
        """Reduce member outputs (N, M, K, R, W) of rows ``rows`` into ``buffers`` (label and
        uncertainty)."""
        raise NotImplementedError

    def finish_prediction(self, result: dict[str, torch.Tensor], head) -> dict[str, torch.Tensor]:
        """Add what is computed from the whole image (e.g. decoded keypoints)."""
        return result

    def generated_label(self, result: dict[str, torch.Tensor]) -> torch.Tensor:
        """The label written for a generated image: seg/depth ``label``."""
        return result['label']

    def pack_ground_truth(self, sample, label: np.ndarray) -> None:
        """Put a loaded label (``results[results_key]``) into a ``SegDataSample``'s
        ``gt_field``: by default a ``PixelData`` of shape (1, H, W)."""
        setattr(sample, self.gt_field, PixelData(data=torch.from_numpy(label)[None]))

    def pack(self, sample, result: dict[str, torch.Tensor], i: int) -> None:
        """Put image ``i``'s prediction into a ``SegDataSample``."""
        raise NotImplementedError
