"""Which k real images to label: greedy k-center (farthest-point) order on the encoder's W+ codes.

HandsOff lets the user choose the few real images that get labels. With a budget of k labels,
the k images that cover the pool best may be a better bet than the first k of the folder. A
pool often holds runs of near-duplicates (one session, one pose), and labeling two of them
teaches the interpreter little more than labeling one. Whether it pays on a given domain is to
be measured on its validation split. On the toy domain it did not pay for the synthetic arm
(docs/pipeline.md: 47.1 val mIoU against 49.8 for random draws of 16), though it helped the
16-label arm. Coverage is measured where the interpreter works: on the W+ latents, as the
inversion encoder estimates them (the starting point of
:meth:`~.inverter.ImageInverter.invert`, without its per-image optimisation, which costs
hundreds of generator passes per image and mostly refines detail).

The rule (deterministic, no randomness):

1. the first image is the one closest to the mean code (ties: the lowest index);
2. each next image is the one farthest (Euclidean) from its nearest already chosen image
   (ties: the lowest index).

The order is nested: the first j of a selection of k are the selection of j, so one run gives a
label-efficiency curve over every budget up to k. Greedy k-center is within a factor 2 of the
smallest possible coverage radius (the largest distance from a pool image to its nearest chosen
one, :func:`coverage_radius`).
"""
from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np
import torch

from mmdsgan.models.crop import pad_into_frame
from mmdsgan.utils.errors import ConfigError, InputError

from .inverter import ImageInverter, to_tensor_images

__all__ = ['k_center_greedy', 'coverage_radius', 'encode_pool']


def _check_features(features: torch.Tensor) -> torch.Tensor:
    """(N, D) finite float features -> float64 (distances compared without float32 ties)."""
    if not isinstance(features, torch.Tensor) or features.ndim != 2 or features.shape[0] == 0:
        shape = tuple(features.shape) if isinstance(features, torch.Tensor) else type(features)
        raise InputError(f'features must be a non-empty (N, D) tensor, got {shape}')
    if not features.is_floating_point():
        raise InputError(f'features must be floating point, got {features.dtype}')
    if not torch.isfinite(features).all():
        raise InputError('features hold NaN or infinite values: the encoder estimate diverged')
    return features.detach().to(torch.float64)


def _first_of(values: torch.Tensor, best: torch.Tensor) -> int:
    """The lowest index where ``values`` equals ``best`` (explicit tie rule)."""
    return int(torch.nonzero(values == best)[0, 0])


def k_center_greedy(features: torch.Tensor, k: int) -> list[int]:
    """Greedy farthest-point order of ``k`` samples (module doc).

    Args:
        features: (N, D) float, one row per sample.
        k: how many to choose, 1..N.

    Returns:
        k distinct row indices in the order chosen; the first j are the result for j.
    """
    x = _check_features(features)  # (N, D) float64
    n = x.shape[0]
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= k <= n:
        raise ConfigError(f'k must be an integer in 1..{n} (the pool size), got {k!r}')
    to_mean = (x - x.mean(dim=0)).norm(dim=1)  # (N,)
    chosen = [_first_of(to_mean, to_mean.min())]
    nearest = (x - x[chosen[0]]).norm(dim=1)  # (N,) distance to the nearest chosen sample
    taken = torch.zeros(n, dtype=torch.bool)
    taken[chosen[0]] = True
    while len(chosen) < k:
        # chosen samples are out of the running even when every other one duplicates them
        candidates = nearest.masked_fill(taken, -1.0)
        nxt = _first_of(candidates, candidates.max())
        chosen.append(nxt)
        taken[nxt] = True
        nearest = torch.minimum(nearest, (x - x[nxt]).norm(dim=1))
    return chosen


def coverage_radius(features: torch.Tensor, chosen: Sequence[int]) -> float:
    """The largest distance from a sample to its nearest chosen sample.

    Args:
        features: (N, D) float.
        chosen: indices into the rows of ``features`` (at least one).
    """
    x = _check_features(features)  # (N, D) float64
    if len(chosen) == 0:
        raise ConfigError('coverage_radius needs at least one chosen sample')
    centres = x[torch.as_tensor(list(chosen), dtype=torch.long)]  # (k, D)
    nearest = torch.stack([(x - c).norm(dim=1) for c in centres]).min(dim=0).values  # (N,)
    return float(nearest.max())


@torch.no_grad()
def encode_pool(inverter: ImageInverter, images: Iterable[np.ndarray],
                batch_size: int) -> torch.Tensor:
    """The encoder's W+ estimate of every image, flattened.

    The path of :meth:`ImageInverter.invert` to its starting latent: uint8 -> [-1, 1], padded
    into the generator's frame when the inverter has a content window, then
    :meth:`ImageInverter.start` (the encoder model's ``encode`` with the inverter's ``n_iters``).

    Args:
        inverter: an inverter with an encoder (``encoder_model`` not None; without one every
            image would start from the same ``w_avg``).
        images: (H, W, 3) uint8 images fitted to ``inverter.fit_size``, in pool order.
        batch_size: images encoded together (>= 1).

    Returns:
        (N, num_ws * w_dim) float32 on the CPU, row i for image i.
    """
    if inverter.encoder_model is None:
        raise ConfigError('the inverter has no encoder: set inversion.encoder_checkpoint')
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ConfigError(f'batch_size must be an integer >= 1, got {batch_size!r}')
    height, width = inverter.fit_size
    rows, batch = [], []

    def flush() -> None:
        stacked = np.stack(batch)  # (B, H, W, 3) uint8
        target = pad_into_frame(to_tensor_images(stacked, inverter.device), inverter.region,
                                inverter.frame)  # (B, 3, R, R)
        ws = inverter.start(target)  # (B, num_ws, w_dim)
        rows.append(ws.reshape(ws.shape[0], -1).float().cpu())
        batch.clear()

    for index, image in enumerate(images):
        if image.shape != (height, width, 3) or image.dtype != np.uint8:
            raise InputError(f'pool image {index}: {image.dtype} {image.shape}, expected uint8 '
                             f'({height}, {width}, 3): fit it to the inversion size first')
        batch.append(image)
        if len(batch) == batch_size:
            flush()
    if batch:
        flush()
    if not rows:
        raise InputError('the pool has no images to encode')
    return torch.cat(rows)  # (N, num_ws * w_dim)
