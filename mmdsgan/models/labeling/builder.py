"""From an interpreter config (and its trained checkpoint) to a model and a
:class:`SyntheticLabeler`.

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

from mmdsgan.tasks import get_task
from mmdsgan.tasks.seg import default_palette
from mmdsgan.utils.config import default_work_dir
from mmdsgan.utils.errors import ConfigError, MissingFileError
from mmdsgan.utils.paths import check_folder_name
from .labeler import SyntheticLabeler

__all__ = ['GENERATION_DEFAULTS', 'generation_settings', 'label_metainfo',
           'find_interpreter_checkpoint', 'build_interpreter', 'build_labeler']

GENERATION_DEFAULTS: dict[str, Any] = dict(
    truncation_psi=0.7, truncation_cutoff=None, seed=0, split='train', img_format='png',
    jpg_quality=95, batch_size=8, save_latents=False, save_uncertainty=True, depth_scale=1000.0)
IMG_FORMATS = ('png', 'jpg')


def generation_settings(cfg: Config) -> dict[str, Any]:
    """The config's ``generation`` section completed with the defaults (module docstring)."""
    given = dict(cfg.get('generation') or {})
    unknown = sorted(set(given) - set(GENERATION_DEFAULTS))
    if unknown:
        raise ConfigError(f'{_name(cfg)}: unknown generation settings {unknown}; known: '
                          f'{sorted(GENERATION_DEFAULTS)}')
    backbone = cfg.model.get('backbone', {})
    settings = dict(GENERATION_DEFAULTS)
    for key in ('truncation_psi', 'truncation_cutoff'):
        if key in backbone:
            settings[key] = backbone[key]
    settings.update(given)
    if settings['img_format'] not in IMG_FORMATS:
        raise ConfigError(f'{_name(cfg)}: generation.img_format is '
                          f'{settings["img_format"]!r}; use one of {list(IMG_FORMATS)}')
    check_folder_name(settings['split'], f'{_name(cfg)}: generation.split')
    if not isinstance(settings['batch_size'], int) or settings['batch_size'] < 1:
        raise ConfigError(f'{_name(cfg)}: generation.batch_size must be an integer >= 1, got '
                          f'{settings["batch_size"]!r}')
    return settings


def label_metainfo(cfg: Config) -> dict[str, Any]:
    """``classes``, ``palette`` and ``task`` of what the interpreter predicts.

    Read from the config's ``annotation`` section (as ``tools/sample_for_annotation.py``), else
    its top-level ``classes`` / ``palette``; the task is the head's.
    """
    annotation = dict(cfg.get('annotation') or {})
    classes = annotation.get('classes', cfg.get('classes'))
    if not classes:
        raise ConfigError(f'{_name(cfg)}: needs annotation=dict(classes=[...], palette=[...]) '
                          f'naming the classes the interpreter predicts')
    palette = annotation.get('palette', cfg.get('palette'))
    if palette is None:
        palette = default_palette(len(classes))
    task = cfg.model.head.get('task', 'seg')
    num_classes = cfg.model.head.get('num_classes', 1)
    if get_task(task).num_outputs(len(classes)) != get_task(task).num_outputs(num_classes):
        raise ConfigError(f'{_name(cfg)}: model.head.num_classes is {num_classes} but '
                          f'annotation.classes names {len(classes)} ({list(classes)}): make them '
                          f'agree (a label id without a name would be written)')
    if len(palette) < len(classes):
        raise ConfigError(f'{_name(cfg)}: {len(palette)} palette colours for {len(classes)} '
                          f'classes: give one [r, g, b] per class')
    return dict(classes=list(classes), palette=[list(map(int, c)) for c in palette], task=task)


def find_interpreter_checkpoint(cfg: Config) -> str:
    """The checkpoint named by ``<work_dir>/last_checkpoint`` (MMEngine's pointer file)."""
    work_dir = cfg.get('work_dir') or default_work_dir(cfg.filename)
    pointer = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        raise MissingFileError(
            f'no trained interpreter found: {pointer} does not exist. Train it with '
            f'tools/train.py {cfg.filename or "CONFIG"} (same --work-dir), or pass '
            f'--checkpoint PATH (checkpoint= from Python)')
    with open(pointer) as f:
        path = f.read().strip()
    if not osp.isfile(path):
        raise MissingFileError(f'{pointer} points to {path}, which does not exist: pass '
                               f'--checkpoint PATH')
    return path


def build_interpreter(cfg: Config, checkpoint: str | None,
                      device: str | torch.device = 'cpu') -> torch.nn.Module:
    """``cfg.model`` built in MMSeg's scope, head weights from ``checkpoint``, eval mode.

    ``checkpoint=None`` keeps the head's random initialisation (tests, demos only).
    The model's own ``init_weights`` is not called: the head initialises itself when built and
    the generator's weights come from its file.

    The checkpoint is read (``weights_only``, through MMEngine's loader) before the model is
    built. Raises ``FileNotFoundError`` for a missing file and
    :class:`~mmdsgan.models.generators.errors.UnreadableCheckpointError` (a ``ValueError``)
    naming it for an empty, truncated or non-torch file; a readable checkpoint of another model
    fails in the strict ``load_state_dict`` (``RuntimeError``), as before.
    """
    import pickle
    import zipfile

    from mmengine.runner.checkpoint import _load_checkpoint, _load_checkpoint_to_model
    from mmseg.registry import MODELS

    from mmdsgan.models.generators.errors import UnreadableCheckpointError
    from mmdsgan.utils.checkpoint import UnsafeCheckpointError
    from .. import heads, segmentors  # noqa: F401  (registers the head and the segmentor)

    def unreadable(reason: str) -> UnreadableCheckpointError:
        return UnreadableCheckpointError(
            f'interpreter checkpoint {checkpoint} is empty, truncated or not a torch checkpoint '
            f'({reason}): pass the .pth that tools/train.py wrote (work_dir/iter_<N>.pth; '
            f'work_dir/last_checkpoint names the latest)')

    state = None
    if checkpoint is not None:
        local = '://' not in str(checkpoint)  # MMEngine also reads URLs; check files only
        if local:
            path = osp.expanduser(str(checkpoint))
            if not osp.isfile(path):
                raise MissingFileError(f'interpreter checkpoint not found: {checkpoint}; pass '
                                       f'the .pth that tools/train.py wrote')
            with open(path, 'rb') as f:
                head = f.read(4)
            if not head:
                raise unreadable('the file has 0 bytes')
            if head.startswith(b'PK\x03\x04'):  # torch.save's zip format
                try:
                    with zipfile.ZipFile(path) as archive:
                        names = archive.namelist()
                except zipfile.BadZipFile as err:  # the directory at the end is missing
                    raise unreadable(f'a zip archive cut short: {err}') from err
                if not any(n == 'data.pkl' or n.endswith('/data.pkl') for n in names):
                    raise unreadable('a zip archive without data.pkl, not one torch.save wrote')
            elif head[0] != 0x80:  # nor torch.save's legacy format, a pickle
                raise unreadable(f'it starts with {head!r}, neither a zip archive nor a pickle')
        try:
            state = _load_checkpoint(checkpoint, map_location='cpu', logger='silent')
        except UnsafeCheckpointError:
            raise
        except (EOFError, RuntimeError, OSError, KeyError, ValueError, pickle.UnpicklingError,
                zipfile.BadZipFile) as err:
            if not local or isinstance(err, FileNotFoundError):
                raise
            reason = (str(err).strip().splitlines() or [''])[0][:200]
            raise unreadable(f'{type(err).__name__}: {reason}' if reason
                             else type(err).__name__) from err
        if not isinstance(state, dict):  # as mmengine's load_checkpoint
            raise RuntimeError(f'No state_dict found in checkpoint file {checkpoint}')
    with DefaultScope.overwrite_default_scope('mmseg'):
        model = MODELS.build(copy.deepcopy(cfg.model))
    if state is not None:
        _load_checkpoint_to_model(model, state, strict=True, logger='silent')
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
