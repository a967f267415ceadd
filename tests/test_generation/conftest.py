"""A tiny trained-looking interpreter for the generation tests: a random 32 px generator saved
as a file, a 3-member head with random (not trained) weights saved as a checkpoint, and the
interpreter config naming both."""
from __future__ import annotations

from pathlib import Path

import pytest

from tiny_models import make_tiny_generator, tiny_generator_kwargs, write_tiny_interpreter

CLASSES = ['background', 'skin', 'hair', 'eye']
PALETTE = [[0, 0, 0], [204, 0, 0], [0, 0, 204], [51, 255, 255]]

CONFIG_TEMPLATE = """
default_scope = 'mmseg'
custom_imports = dict(imports=['mmdsgan'], allow_failed_imports=False)
classes = {classes!r}
palette = {palette!r}
annotation = dict(classes=classes, palette=palette, task='seg')
model = dict(
    type='DatasetGANInterpreter',
    data_preprocessor=dict(type='BaseDataPreprocessor'),
    backbone=dict(type='StyleGAN2FeatureBackbone', checkpoint={generator!r},
                  truncation_psi=0.7, noise_mode='const'),
    head=dict(type='InterpreterEnsembleHead', num_classes={num_classes}, task='seg',
              num_members=3, hidden_dims=[16, 8], chunk_pixels=4096))
generation = dict(seed=100, batch_size=3)
work_dir = {work_dir!r}
"""


@pytest.fixture(scope='session')
def interpreter(tmp_path_factory) -> dict:
    """``dict(config=path, checkpoint=path, generator=path)`` of the tiny interpreter."""
    from mmdsgan.models.generators import save_generator

    root = tmp_path_factory.mktemp('interpreter')
    # 32 px, <= 32 channels; random biases: visible structure in the images.
    G = make_tiny_generator(tiny_generator_kwargs(32, channel_base=512, channel_max=32), seed=0,
                            bias_std=0.2)
    save_generator(G, root / 'generator.pt')
    config = root / 'interpreter_tiny.py'
    config.write_text(CONFIG_TEMPLATE.format(
        classes=CLASSES, palette=PALETTE, generator=str(root / 'generator.pt'),
        num_classes=len(CLASSES), work_dir=str(root / 'work_dir')))
    # an untrained head (the global RNG as the generator left it), scaled so that labels and
    # members vary
    interpreter = write_tiny_interpreter(config, root / 'work_dir', head_gain=1.5,
                                         last_checkpoint=True)
    return dict(interpreter, generator=str(root / 'generator.pt'))


@pytest.fixture(scope='session')
def labeler(interpreter):
    """A SyntheticLabeler of the tiny interpreter (batch size 3)."""
    from mmdsgan.models.labeling import build_labeler
    from mmdsgan.utils.config import load_config
    return build_labeler(load_config(interpreter['config']), interpreter['checkpoint'])


@pytest.fixture(scope='session')
def generated(interpreter, tmp_path_factory) -> Path:
    """A folder of 10 generated samples (one uninterrupted run, batch size 3)."""
    from mmdsgan.datasets.synthetic import generate_dataset
    out = tmp_path_factory.mktemp('generated') / 'set'
    generate_dataset(interpreter['config'], 10, str(out), progress=False)
    return out
