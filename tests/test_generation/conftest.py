"""A tiny trained-looking interpreter for the generation tests: a random 32 px generator saved
as a file, a 3-member head with random (not trained) weights saved as a checkpoint, and the
interpreter config naming both."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
import torch

CLASSES = ['background', 'skin', 'hair', 'eye']
PALETTE = [[0, 0, 0], [204, 0, 0], [0, 0, 204], [51, 255, 255]]
TINY_G = dict(z_dim=16, c_dim=0, w_dim=16, img_resolution=32,
              mapping_kwargs=dict(num_layers=2),
              synthesis_kwargs=dict(channel_base=512, channel_max=32))

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
    from mmdsgan.datasets.synthetic import build_interpreter
    from mmdsgan.datasets.synthetic.interpreter import load_config
    from mmdsgan.models.generators import Generator, save_generator

    root = tmp_path_factory.mktemp('interpreter')
    torch.manual_seed(0)
    G = Generator(**copy.deepcopy(TINY_G)).eval()
    with torch.no_grad():  # visible structure in the images: random biases, nonzero w_avg
        for name, p in G.named_parameters():
            if name.endswith('bias'):
                p.add_(0.2 * torch.randn_like(p))
    save_generator(G, root / 'generator.pt')
    config = root / 'interpreter_tiny.py'
    config.write_text(CONFIG_TEMPLATE.format(
        classes=CLASSES, palette=PALETTE, generator=str(root / 'generator.pt'),
        num_classes=len(CLASSES), work_dir=str(root / 'work_dir')))
    model = build_interpreter(load_config(str(config)), None)
    with torch.no_grad():  # an untrained head, scaled so that labels and members vary
        for name, p in model.head.named_parameters():
            if p.ndim > 1:
                p.normal_(0, 1.5 / p.shape[-2] ** 0.5)
    checkpoint = root / 'work_dir' / 'iter_1.pth'
    checkpoint.parent.mkdir()
    torch.save(dict(state_dict=model.state_dict(), meta=dict(iter=1)), checkpoint)
    (root / 'work_dir' / 'last_checkpoint').write_text(str(checkpoint))
    return dict(config=str(config), checkpoint=str(checkpoint),
                generator=str(root / 'generator.pt'))


@pytest.fixture(scope='session')
def labeler(interpreter):
    """A SyntheticLabeler of the tiny interpreter (batch size 3)."""
    from mmdsgan.datasets.synthetic import build_labeler
    from mmdsgan.datasets.synthetic.interpreter import load_config
    return build_labeler(load_config(interpreter['config']), interpreter['checkpoint'])


@pytest.fixture(scope='session')
def generated(interpreter, tmp_path_factory) -> Path:
    """A folder of 10 generated samples (one uninterrupted run, batch size 3)."""
    from mmdsgan.datasets.synthetic import generate_dataset
    out = tmp_path_factory.mktemp('generated') / 'set'
    generate_dataset(interpreter['config'], 10, str(out), progress=False)
    return out
