"""The one config loader: a path, dict or :class:`~mmengine.config.Config`, options merged."""
from __future__ import annotations

import copy
import os.path as osp

from mmengine.config import Config
from .errors import MissingFileError

__all__ = ['load_config', 'default_work_dir']


def load_config(config: str | dict | Config, cfg_options: dict | None = None) -> Config:
    """``config`` as a new :class:`Config` with ``cfg_options`` (``--cfg-options``) merged.

    A path is read with ``Config.fromfile`` (``_base_`` and ``mmseg::`` inheritance); a dict or
    Config is deep-copied, so the caller's object is never changed.
    """
    if isinstance(config, (str, bytes)) or hasattr(config, '__fspath__'):
        if not osp.isfile(config):
            raise MissingFileError(f'config file not found: {config}')
        cfg = Config.fromfile(config)
    elif isinstance(config, Config):
        cfg = copy.deepcopy(config)
    else:
        cfg = Config(copy.deepcopy(dict(config)))
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def default_work_dir(config_file: str | None) -> str:
    """MMSeg's default work directory of a config: ``./work_dirs/<config file stem>``."""
    return osp.join('./work_dirs', osp.splitext(osp.basename(config_file or 'config'))[0])
