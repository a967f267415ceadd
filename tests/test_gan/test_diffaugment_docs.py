"""docs/gan_training.md's way to turn DiffAugment on builds: the child-config snippet as written
and its --cfg-options form (the base sets augment=None, which a plain dict cannot merge into)."""
from __future__ import annotations

import argparse
import re

import pytest
from mmengine.config import Config, DictAction

from mmdsgan.models.gan.diff_augment import DiffAugment
from mmdsgan.utils.config import load_config
from mmseg.registry import MODELS


def _doc_snippet(repo_root) -> tuple[str, str]:
    """The python block after 'Turning DiffAugment on', and the --cfg-options of the text."""
    text = (repo_root / 'docs' / 'gan_training.md').read_text()
    section = text[text.index('**Turning DiffAugment on'):]
    code = re.search(r'```python\n(.*?)```', section, re.S).group(1)
    options = re.search(r'`--cfg-options ([^`]*)`', section).group(1)
    return code, ' '.join(options.split())


def _built_augment(cfg):
    model = MODELS.build(cfg.model)
    assert isinstance(model.augment, DiffAugment)
    return model.augment


def test_child_config_snippet_builds(repo_root, tmp_path):
    code, _ = _doc_snippet(repo_root)
    gan_dir = repo_root / 'configs' / 'gan'
    child = tmp_path / 'child.py'
    child.write_text(code.replace("'./", f"'{gan_dir}/"))
    cfg = Config.fromfile(str(child))
    assert dict(cfg.model.augment) == dict(type='DiffAugment', prob=0.3)
    assert _built_augment(cfg).prob == 0.3
    # the advice this replaces: a plain dict cannot merge into the base's augment=None
    child.write_text(code.replace("'./", f"'{gan_dir}/").replace('_delete_=True, ', ''))
    with pytest.raises(TypeError, match='augment'):
        Config.fromfile(str(child))


def test_cfg_options_form_builds(repo_root):
    _, options = _doc_snippet(repo_root)
    parser = argparse.ArgumentParser()
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(['--cfg-options', *options.split()])
    cfg = load_config(str(repo_root / 'configs/gan/stylegan2_c32_1xb16-6k_toy-faces-64x64.py'),
                      args.cfg_options)
    assert _built_augment(cfg).prob == 0.3
