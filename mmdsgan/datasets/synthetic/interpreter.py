"""From an interpreter config (and its trained checkpoint) to a ready :class:`SyntheticLabeler`.

The config is the one the interpreter was trained with (``tools/train.py CONFIG``): ``model``
(backbone with the generator checkpoint path, head), ``annotation`` (classes, palette, task)
and an optional ``generation`` section. Missing ``generation`` keys take these defaults:

=====================  ==========================================================================
``truncation_psi``      ``model.backbone.truncation_psi``, else 0.7 (DatasetGAN / HandsOff)
``truncation_cutoff``   ``model.backbone.truncation_cutoff``, else None (all ws)
``seed``                0: sample i uses seed ``seed + i``
``split``               ``'train'``
``img_format``          ``'png'`` (or ``'jpg'``, quality ``jpg_quality`` = 95)
``batch_size``          8 latents per forward pass (``--batch-size`` overrides)
``save_latents``        False: ``latents/<id>.npy`` (w+ after truncation) when True
``save_uncertainty``    True: ``unc_dir/<split>/<id>.png``, 16-bit, value = round(u * 10000)
``depth_scale``         1000.0: depth PNG value = round(depth * depth_scale)
=====================  ==========================================================================

The checkpoint holds the head only; the generator is re-loaded from the backbone's
``checkpoint`` path (or re-created from its ``generator`` kwargs and ``generator_seed``).
"""
from __future__ import annotations

import copy
import os.path as osp
from typing import Any

import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope
from mmengine.runner import load_checkpoint

from mmdsgan.utils.cli import default_work_dir
from .labeler import SyntheticLabeler

__all__ = ['GENERATION_DEFAULTS', 'generation_settings', 'label_metainfo',
           'find_interpreter_checkpoint', 'build_interpreter', 'build_labeler', 'load_config']

GENERATION_DEFAULTS: dict[str, Any] = dict(
    truncation_psi=0.7, truncation_cutoff=None, seed=0, split='train', img_format='png',
    jpg_quality=95, batch_size=8, save_latents=False, save_uncertainty=True, depth_scale=1000.0)
IMG_FORMATS = ('png', 'jpg')


def load_config(config: str | dict | Config, cfg_options: dict | None = None) -> Config:
    """A config file path, dict or :class:`Config` as a :class:`Config` (options merged)."""
    if isinstance(config, (str, bytes)) or hasattr(config, '__fspath__'):
        if not osp.isfile(config):
            raise FileNotFoundError(f'interpreter config not found: {config}')
        cfg = Config.fromfile(config)
    elif isinstance(config, Config):
        cfg = copy.deepcopy(config)
    else:
        cfg = Config(copy.deepcopy(dict(config)))
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def generation_settings(cfg: Config) -> dict[str, Any]:
    """The config's ``generation`` section completed with the defaults (module docstring)."""
    given = dict(cfg.get('generation') or {})
    unknown = sorted(set(given) - set(GENERATION_DEFAULTS))
    if unknown:
        raise KeyError(f'{_name(cfg)}: unknown generation settings {unknown}; known: '
                       f'{sorted(GENERATION_DEFAULTS)}')
    backbone = cfg.model.get('backbone', {})
    settings = dict(GENERATION_DEFAULTS)
    for key in ('truncation_psi', 'truncation_cutoff'):
        if key in backbone:
            settings[key] = backbone[key]
    settings.update(given)
    if settings['img_format'] not in IMG_FORMATS:
        raise ValueError(f'{_name(cfg)}: generation.img_format is '
                         f'{settings["img_format"]!r}; use one of {list(IMG_FORMATS)}')
    return settings


def label_metainfo(cfg: Config) -> dict[str, Any]:
    """``classes``, ``palette`` and ``task`` of what the interpreter predicts.

    Read from the config's ``annotation`` section (as ``tools/sample_for_annotation.py``), else
    its top-level ``classes`` / ``palette``; the task is the head's.
    """
    annotation = dict(cfg.get('annotation') or {})
    classes = annotation.get('classes', cfg.get('classes'))
    if not classes:
        raise KeyError(f'{_name(cfg)}: needs annotation=dict(classes=[...], palette=[...]) '
                       f'naming the classes the interpreter predicts')
    palette = annotation.get('palette', cfg.get('palette'))
    if palette is None:
        from ..labeled_latent_dataset import default_palette
        palette = default_palette(len(classes))
    task = cfg.model.head.get('task', 'seg')
    return dict(classes=list(classes), palette=[list(map(int, c)) for c in palette], task=task)


def find_interpreter_checkpoint(cfg: Config) -> str:
    """The checkpoint named by ``<work_dir>/last_checkpoint`` (MMEngine's pointer file)."""
    work_dir = cfg.get('work_dir') or default_work_dir(cfg.filename)
    pointer = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        raise FileNotFoundError(
            f'no trained interpreter found: {pointer} does not exist. Train it with '
            f'tools/train.py {cfg.filename or "CONFIG"} (same --work-dir), or pass '
            f'--checkpoint PATH (checkpoint= from Python)')
    with open(pointer) as f:
        path = f.read().strip()
    if not osp.isfile(path):
        raise FileNotFoundError(f'{pointer} points to {path}, which does not exist: pass '
                                f'--checkpoint PATH')
    return path


def build_interpreter(cfg: Config, checkpoint: str | None,
                      device: str | torch.device = 'cpu') -> torch.nn.Module:
    """``cfg.model`` built in MMSeg's scope, head weights from ``checkpoint``, eval mode.

    ``checkpoint=None`` keeps the head's random initialisation (tests, demos only).
    The model's own ``init_weights`` is not called: the head initialises itself when built and
    the generator's weights come from its file.
    """
    import mmdsgan.models.heads.interpreter_ensemble_head  # noqa: F401  registers the head
    import mmdsgan.models.segmentors.dataset_gan_interpreter  # noqa: F401  registers the model
    from mmseg.registry import MODELS

    with DefaultScope.overwrite_default_scope('mmseg'):
        model = MODELS.build(copy.deepcopy(cfg.model))
    if checkpoint is not None:
        load_checkpoint(model, checkpoint, map_location='cpu', strict=True, logger='silent')
    return model.to(device).eval()


def build_labeler(cfg: Config, checkpoint: str | None, device: str | torch.device = 'cpu',
                  batch_size: int | None = None, **overrides) -> SyntheticLabeler:
    """A :class:`SyntheticLabeler` with the config's generation settings (``overrides`` win,
    None values ignored)."""
    settings = generation_settings(cfg)
    settings.update({k: v for k, v in overrides.items() if v is not None})
    model = build_interpreter(cfg, checkpoint, device)
    return SyntheticLabeler(model, settings['truncation_psi'], settings['truncation_cutoff'],
                            batch_size or settings['batch_size'], device)


def _name(cfg: Config) -> str:
    return cfg.filename or 'the interpreter config'
