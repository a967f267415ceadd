"""Semantic segmentation: class-id PNGs, majority vote, Jensen-Shannon uncertainty, CE loss.

Conventions: member outputs carry the member axis at dim 1, e.g. probabilities (N, M, K, ...).
Entropies use the natural logarithm, so Jensen-Shannon divergence lies in [0, log M].
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from mmengine.structures import PixelData

from mmdsgan.utils.io import png_bytes
from mmdsgan.utils.profiling import stage

from ._png import open_png
from .base import LabelFileError, LabelTask, register_task
from .resize import resize_nearest

__all__ = ['SegTask', 'entropy', 'js_divergence', 'majority_vote', 'read_index_png',
           'default_palette', 'blend', 'OVERLAY_ALPHA']

INDEX_MODES = ('L', 'P', 'I;16', 'I')  # PIL modes whose pixel values are class ids
OVERLAY_ALPHA = 0.5


def entropy(probs: torch.Tensor, dim: int) -> torch.Tensor:
    """Shannon entropy along ``dim`` (0 log 0 = 0)."""
    return -torch.xlogy(probs, probs).sum(dim)


def js_divergence(probs: torch.Tensor) -> torch.Tensor:
    """Jensen-Shannon divergence of the members: H(mean_m p_m) - mean_m H(p_m).

    Args:
        probs: (N, M, K, ...) per-member class probabilities.

    Returns:
        (N, ...) non-negative; 0 exactly where all members agree.
    """
    mean_entropy = entropy(probs, dim=2).mean(1)  # (N, ...)
    return (entropy(probs.mean(1), dim=1) - mean_entropy).clamp(min=0)


def majority_vote(member_labels: torch.Tensor, num_classes: int) -> torch.Tensor:
    """Most frequent label over the members; ties go to the smallest class id (as scipy's mode,
    which DatasetGAN uses).

    Args:
        member_labels: (N, M, ...) long per-member argmax.
        num_classes: K.

    Returns:
        (N, ...) long.
    """
    shape = member_labels.shape
    counts = member_labels.new_zeros((shape[0], num_classes, *shape[2:]))  # (N, K, ...)
    counts.scatter_add_(1, member_labels, torch.ones_like(member_labels))
    return counts.argmax(1)  # argmax returns the first maximum: the smallest id on ties


def read_index_png(path: str) -> np.ndarray:
    """A class-index mask: a single-channel PNG (8-bit grey, palette, or 16-bit) -> (H, W) int64.

    Palette PNGs give their indices (not colours), as labeling tools write them.
    """
    image = open_png(path)
    if image.mode not in INDEX_MODES:
        raise LabelFileError(
            f'{path} is a {image.mode} image, not a class-index mask: save one channel whose '
            f'values are class ids (8-bit grey "L" or palette "P" PNG); a colour mask must be '
            f'mapped back to ids through the palette first')
    return np.asarray(image).astype(np.int64)


def default_palette(num_classes: int) -> list[list[int]]:
    """A fixed pseudo-random palette (class 0 black), for folders whose meta has none."""
    rng = np.random.RandomState(0)
    colours = rng.randint(32, 256, size=(num_classes, 3))
    colours[0] = 0
    return colours.tolist()


def blend(image: np.ndarray, top: np.ndarray) -> np.ndarray:
    """``top`` over ``image`` at :data:`OVERLAY_ALPHA`, (H, W, 3) uint8."""
    base = image.astype(np.float32)
    return np.clip((1 - OVERLAY_ALPHA) * base + OVERLAY_ALPHA * top, 0, 255).round().astype(
        np.uint8)


@register_task
class SegTask(LabelTask):
    """Class ids per pixel. Files: 8-bit palette PNGs whose pixel values are the ids."""
    name = 'seg'
    label_ext = '.png'
    gt_field = 'gt_sem_seg'
    results_key = 'gt_seg_map'
    metric = 'PerClassIoUMetric'
    uncertainty = 'Jensen-Shannon divergence of the members (nats)'

    # ------------------------------------------------------------------------------- files
    def encode(self, label: np.ndarray, size: tuple[int, int],
               palette: Sequence[Sequence[int]] | None, depth_scale: float = 1.0) -> bytes:
        label = np.asarray(label)
        if label.max(initial=0) > 255:
            raise ValueError(f'class id {int(label.max())} does not fit an 8-bit PNG')
        return png_bytes(label.astype(np.uint8), palette=palette)

    def read(self, path: str, meta: dict[str, Any]) -> tuple[np.ndarray, tuple[int, int]]:
        """(H, W) int64 class ids; ids >= ``meta['num_classes']`` (other than
        ``meta['ignore_index']``, default 255) are refused."""
        label = read_index_png(path)
        num_classes, ignore = meta.get('num_classes'), meta.get('ignore_index', 255)
        if num_classes is not None:
            bad = np.unique(label[(label >= num_classes) & (label != ignore)])
            if bad.size:
                raise LabelFileError(f'{path} holds class ids {bad.tolist()} but metainfo.json has '
                                     f'{num_classes} classes (0..{num_classes - 1}, '
                                     f'{ignore} = ignore): fix the mask or the classes')
        return label, label.shape

    def meta_entries(self, classes, palette, depth_scale) -> dict[str, Any]:
        return dict(palette=[list(c) for c in palette])

    def overlay(self, image, label, palette, depth_scale: float = 1.0) -> np.ndarray:
        """Class colours blended at 50 %."""
        colours = np.asarray(list(palette) + [[255, 255, 255]] * 256, dtype=np.float32)[:256]
        return blend(image, colours[np.asarray(label, dtype=np.int64)])

    # -------------------------------------------------------------- interpreter training
    def targets(self, data_samples, out_size, device) -> torch.Tensor:
        """(N, H, W) long class ids on the output grid."""
        maps = [resize_nearest(s.gt_sem_seg.data, out_size) for s in data_samples]
        return torch.cat(maps).to(device)

    def sampling_groups(self, labels, n, out_size, head, balanced):
        groups = labels.flatten(1)  # (N, H*W)
        return groups != head.ignore_index, groups

    def pixel_loss(self, out, targets, valid, head):
        per_pixel = F.cross_entropy(out.permute(0, 2, 1), targets, reduction='none',
                                    ignore_index=head.ignore_index)  # (M, P)
        return per_pixel, targets != head.ignore_index

    # -------------------------------------------------------------- ensemble prediction
    def new_prediction(self, ref, n, k, height, width):
        return dict(label=torch.empty(n, height, width, dtype=torch.long, device=ref.device),
                    probs=ref.new_empty(n, k, height, width))

    def reduce_band(self, out, rows, buffers, head) -> None:
        with stage('uncertainty'):
            member_probs = out.softmax(2)
            probs = buffers['probs']
            probs[:, :, rows] = member_probs.mean(1)
            buffers['uncertainty'][:, rows] = js_divergence(member_probs)
        with stage('vote'):
            # max(...).indices: the first maximum, as argmax, and several times faster on CPU
            # over this non-innermost dim.
            buffers['label'][:, rows] = (majority_vote(out.max(2).indices, out.shape[2])
                                         if head.vote == 'majority'
                                         else probs[:, :, rows].argmax(1))

    def pack(self, sample, result, i) -> None:
        sample.pred_sem_seg = PixelData(data=result['label'][i][None])
        sample.seg_logits = PixelData(data=result['probs'][i])
