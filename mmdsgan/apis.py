"""The few functions a Python user calls, as ``mmseg.apis`` offers for segmentors.

Example::

    from mmdsgan.apis import init_interpreter, label_seeds, generate_dataset, invert_images

    model = init_interpreter('configs/interpreter/interpreter_ensemble10_toy-faces-64x64.py',
                             'work_dirs/interp/iter_1000.pth')
    batch = label_seeds(model, range(8))          # images (8, H, W, 3) uint8, labels (8, H, W)
    generate_dataset(CONFIG, num=1000, out='synth', checkpoint=CKPT)   # an MMSeg folder
    result = invert_images(INVERT_CONFIG, images)  # w+ (N, num_ws, w_dim), reconstructions

``load_generator(path, device)`` reads an NVIDIA ``.pkl``, a rosinality ``.pt`` or our own
generator file without running code from it; ``z_from_seeds(seeds, z_dim)`` is the seed rule.
Everything here is a thin, documented entry to the modules that do the work; the command-line
tools in ``tools/`` call the same functions.
"""
from __future__ import annotations

from typing import Any, Iterable

import numpy as np
import torch
from mmengine.config import Config

from mmdsgan.datasets.synthetic import generate_dataset
from mmdsgan.models.generators import load_generator, z_from_seeds
from mmdsgan.models.inversion import InversionResult, build_inverter
from mmdsgan.models.labeling import (LabeledBatch, SyntheticLabeler, build_interpreter,
                                     find_interpreter_checkpoint, generation_settings)
from mmdsgan.utils.config import load_config

__all__ = ['load_generator', 'init_interpreter', 'label_seeds', 'label_latents',
           'generate_dataset', 'invert_images', 'z_from_seeds']


def init_interpreter(config: str | dict | Config, checkpoint: str | None = None,
                     device: str | torch.device = 'cpu',
                     cfg_options: dict | None = None) -> torch.nn.Module:
    """A trained DatasetGAN interpreter (generator + ensemble head), in eval mode.

    Args:
        config: the interpreter config it was trained with (path, dict or Config).
        checkpoint: its checkpoint; default the one ``<work_dir>/last_checkpoint`` names.
        device: where to run it.
        cfg_options: merged into the config (e.g. ``{'model.backbone.checkpoint': path}``).

    Returns:
        A :class:`~mmdsgan.models.segmentors.DatasetGANInterpreter`; its ``label(ws)`` maps
        w+ (N, num_ws, w_dim) to images, labels and uncertainty. The config is kept as
        ``model.cfg`` for :func:`label_seeds`.
    """
    cfg = load_config(config, cfg_options)
    model = build_interpreter(cfg, checkpoint or find_interpreter_checkpoint(cfg), device)
    model.cfg = cfg
    return model


def label_seeds(model: torch.nn.Module, seeds: Iterable[int], batch_size: int | None = None,
                truncation_psi: float | None = None,
                truncation_cutoff: int | None = None) -> LabeledBatch:
    """Generate and label one image per seed (the same sample as ``generate_dataset``'s seed).

    Args:
        model: from :func:`init_interpreter`.
        seeds: N seeds; sample ``s`` has ``z = z_from_seeds([s], z_dim)``.
        batch_size, truncation_psi, truncation_cutoff: default the config's ``generation``
            settings (truncation 0.7 unless the config says otherwise).

    Returns:
        :class:`~mmdsgan.models.labeling.LabeledBatch`: ``images`` (N, H, W, 3) uint8,
        ``labels`` (seg (N, H, W) int64; depth (N, H, W) float32; keypoints (N, K, 2)),
        ``uncertainty`` (N, H, W), ``scores`` (N,), ``ws`` (N, num_ws, w_dim).
    """
    settings = generation_settings(getattr(model, 'cfg', None) or Config(dict(model={})))
    labeler = SyntheticLabeler(
        model, settings['truncation_psi'] if truncation_psi is None else truncation_psi,
        settings['truncation_cutoff'] if truncation_cutoff is None else truncation_cutoff,
        batch_size or settings['batch_size'])
    return labeler.label_seeds(list(seeds))


@torch.no_grad()
def label_latents(model: torch.nn.Module, ws: torch.Tensor | np.ndarray) -> dict[str, Any]:
    """Label the images of given w+ latents (e.g. from :func:`invert_images`).

    Args:
        model: from :func:`init_interpreter`.
        ws: (N, num_ws, w_dim) w+ latents.

    Returns:
        NumPy arrays ``img`` (N, H, W, 3) uint8, ``label``, ``uncertainty`` (N, H, W),
        ``score`` (N,), as :meth:`DatasetGANInterpreter.label` gives them.
    """
    device = next(model.parameters()).device
    ws = torch.as_tensor(np.asarray(ws, dtype=np.float32) if isinstance(ws, np.ndarray) else ws)
    out = model.label(ws.to(device=device, dtype=torch.float32))
    return {k: v.cpu().numpy() for k, v in out.items()}


def invert_images(config: str | dict | Config, images: np.ndarray,
                  device: str | torch.device = 'cpu',
                  cfg_options: dict | None = None) -> InversionResult:
    """Invert real images into the generator's W+ (HandsOff: encoder, then LPIPS + MSE).

    Args:
        config: an inversion config (``model``: generator + encoder; ``inversion``: steps,
            loss weights, LPIPS file, encoder checkpoint).
        images: (N, R, R, 3) uint8 RGB at the generator's resolution R (fit other sizes with
            :class:`~mmdsgan.datasets.SquareFit`).

    Returns:
        :class:`~mmdsgan.models.inversion.InversionResult`: ``ws`` (N, num_ws, w_dim),
        ``recon`` (N, R, R, 3) uint8, ``psnr`` (N,), ``lpips`` (N,) or None.
    """
    inverter, _ = build_inverter(load_config(config, cfg_options), device)
    return inverter.invert(np.asarray(images))

