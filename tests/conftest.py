"""Shared fixtures: small data written by the tests themselves, never downloaded."""
from __future__ import annotations

from pathlib import Path

import pytest

from tiny_models import make_tiny_generator, tiny_generator_kwargs, write_tiny_interpreter

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope='session')
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope='session')
def toy_faces_root(tmp_path_factory) -> Path:
    """A small toy-faces dataset in the MMSeg layout: 8 train, 4 val, 4 test images (64x64)."""
    from mmdsgan.datasets.toy_faces import write_toy_dataset

    root = tmp_path_factory.mktemp('toy_faces')
    write_toy_dataset(root, num=8, start_seed=0, split='train')
    write_toy_dataset(root, num=4, start_seed=1000, split='val')
    write_toy_dataset(root, num=4, start_seed=2000, split='test')
    return root


def load_tool(name: str):
    """Import ``tools/<name>.py`` as a module (tools are scripts, not a package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f'tools_{name}', REPO / 'tools' / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='session')
def tool():
    return load_tool


TOY_CLASSES = ['background', 'skin', 'hair', 'eye', 'brow', 'mouth', 'nose']


@pytest.fixture(scope='session')
def tiny_generator_64(tmp_path_factory) -> Path:
    """A random 64 px generator (16 channels) in the project's format, as the toy configs use."""
    from mmdsgan.models.generators import save_generator

    path = tmp_path_factory.mktemp('generator') / 'tiny_g64.pth'
    save_generator(make_tiny_generator(tiny_generator_kwargs(64), seed=0), path)
    return path


@pytest.fixture(scope='session')
def labeled_latents_root(tmp_path_factory, tiny_generator_64) -> Path:
    """A LabeledLatentDataset folder: 4 toy-face masks paired with random w+ latents."""
    import numpy as np

    from mmdsgan.datasets.labeled_latent_writer import LabeledLatentWriter
    from mmdsgan.datasets.toy_faces import TOY_FACE_PALETTE, render_toy_face
    from mmdsgan.models.generators import load_generator

    G = load_generator(str(tiny_generator_64))
    root = tmp_path_factory.mktemp('labeled_latents')
    writer = LabeledLatentWriter(str(root), task='seg', classes=TOY_CLASSES,
                                 palette=[list(c) for c in TOY_FACE_PALETTE])
    rng = np.random.default_rng(0)
    for i in range(4):
        face = render_toy_face(i, size=64)
        ws = rng.standard_normal((G.num_ws, G.w_dim)).astype(np.float32)
        writer.write(f'img{i}', ws, face.mask, face.image, face.image, metrics={})
    return root


INTERPRETER_CFG = 'configs/interpreter/interpreter_ensemble10_toy-faces-64x64.py'


@pytest.fixture(scope='session')
def toy_interpreter(tmp_path_factory, tiny_generator_64) -> dict:
    """The toy interpreter config on the tiny generator, with an untrained head's checkpoint:
    ``dict(config=path, checkpoint=path, cfg_options=dict)``."""
    root = tmp_path_factory.mktemp('toy_interpreter')
    cfg_options = {'model.backbone.checkpoint': str(tiny_generator_64),
                   'model.head.num_members': 3, 'work_dir': str(root)}
    interpreter = write_tiny_interpreter(REPO / INTERPRETER_CFG, root, cfg_options, seed=0)
    return dict(interpreter, cfg_options=cfg_options)


@pytest.fixture(scope='session')
def synthetic_root(tmp_path_factory, toy_interpreter) -> Path:
    """A generated (synthetic) toy-faces folder of 6 samples, labeled by the untrained head."""
    from mmdsgan.datasets.synthetic import generate_dataset

    out = tmp_path_factory.mktemp('synthetic') / 'set'
    generate_dataset(toy_interpreter['config'], num=6, out=str(out),
                     checkpoint=toy_interpreter['checkpoint'], batch_size=3,
                     cfg_options=toy_interpreter['cfg_options'], progress=False)
    return out


TASK_INTERPRETER_CFGS = {
    'depth': 'configs/interpreter/interpreter_ensemble10_toy-faces-depth-64x64.py',
    'keypoints': 'configs/interpreter/interpreter_ensemble10_toy-faces-keypoints-64x64.py'}


def _toy_task_interpreter(tmp_path_factory, generator: Path, task: str) -> dict:
    root = tmp_path_factory.mktemp(f'toy_interpreter_{task}')
    cfg_options = {'model.backbone.checkpoint': str(generator),
                   'model.head.num_members': 3, 'work_dir': str(root)}
    # random head weights with some spread, so that members disagree (uncertainty varies)
    interpreter = write_tiny_interpreter(REPO / TASK_INTERPRETER_CFGS[task], root, cfg_options,
                                         seed=0, head_gain=1.5)
    if task == 'depth':  # depth around 2 units (an untrained head is centred on 0: unknown)
        import torch
        ckpt = torch.load(interpreter['checkpoint'], map_location='cpu', weights_only=True)
        ckpt['state_dict']['head.mlp.linears.2.bias'] += 2.0
        torch.save(ckpt, interpreter['checkpoint'])
    return dict(interpreter, cfg_options=cfg_options)


@pytest.fixture(scope='session')
def toy_depth_interpreter(tmp_path_factory, tiny_generator_64) -> dict:
    """The toy depth interpreter config on the tiny generator, with an untrained head:
    ``dict(config=path, checkpoint=path, cfg_options=dict)``."""
    return _toy_task_interpreter(tmp_path_factory, tiny_generator_64, 'depth')


@pytest.fixture(scope='session')
def toy_keypoint_interpreter(tmp_path_factory, tiny_generator_64) -> dict:
    """The toy keypoint interpreter (5 keypoints) on the tiny generator, untrained head."""
    return _toy_task_interpreter(tmp_path_factory, tiny_generator_64, 'keypoints')


def _generate(tmp_path_factory, interpreter: dict, name: str) -> Path:
    from mmdsgan.datasets.synthetic import generate_dataset

    out = tmp_path_factory.mktemp(name) / 'set'
    generate_dataset(interpreter['config'], num=6, out=str(out),
                     checkpoint=interpreter['checkpoint'], batch_size=3,
                     cfg_options=interpreter['cfg_options'], progress=False)
    return out


@pytest.fixture(scope='session')
def synthetic_depth_root(tmp_path_factory, toy_depth_interpreter) -> Path:
    """A generated toy-faces depth folder of 6 samples (16-bit PNGs), untrained head."""
    return _generate(tmp_path_factory, toy_depth_interpreter, 'synthetic_depth')


@pytest.fixture(scope='session')
def synthetic_keypoint_root(tmp_path_factory, toy_keypoint_interpreter) -> Path:
    """A generated toy-faces keypoint folder of 6 samples (one JSON each), untrained head."""
    return _generate(tmp_path_factory, toy_keypoint_interpreter, 'synthetic_keypoints')


@pytest.fixture(scope='session')
def car_parts_root(tmp_path_factory) -> dict:
    """A Car-Parts-shaped folder (trainingset/ + testset/, COCO as shipped; tests/real_fixtures)
    and its expected 19-class labels: ``dict(root=Path, labels={set: {stem: label}})``."""
    from real_fixtures import write_car_parts

    root = tmp_path_factory.mktemp('Car-Parts-Segmentation')
    return dict(root=root, labels=write_car_parts(root))


@pytest.fixture(scope='session')
def celebamask_root(tmp_path_factory) -> dict:
    """A CelebAMask-HQ-shaped folder (per-part masks at half the image size, split files) and
    its expected 19-class labels at mask size: ``dict(root=Path, labels={index: label})``."""
    from real_fixtures import write_celebamask_hq

    root = tmp_path_factory.mktemp('CelebAMask-HQ')
    return dict(root=root, labels=write_celebamask_hq(root))


# The config tests: the datasets as shipped at the paths the configs' dataset types read, and a
# torch hub cache holding a random VGG16 trunk.
@pytest.fixture(scope='session')
def car_parts_data_root(car_parts_root) -> Path:
    return car_parts_root['root']


@pytest.fixture(scope='session')
def celebamask_data_root(celebamask_root) -> Path:
    return celebamask_root['root']


@pytest.fixture(scope='session')
def torch_home_with_vgg16(tmp_path_factory) -> Path:
    """``$TORCH_HOME`` whose hub cache has ``vgg16-397923af.pth``: random weights of
    torchvision's VGG16 ``features`` (the only keys LPIPS reads)."""
    import torch
    import torchvision

    with torch.device('meta'):  # shapes only, no 138M-parameter initialisation
        features = torchvision.models.vgg16().features
    rng = torch.Generator().manual_seed(0)
    state = {k: torch.randn(v.shape, generator=rng) * 0.05
             for k, v in features.state_dict(prefix='features.').items()}
    home = tmp_path_factory.mktemp('torch_home')
    (home / 'hub' / 'checkpoints').mkdir(parents=True)
    torch.save(state, home / 'hub' / 'checkpoints' / 'vgg16-397923af.pth')
    return home


@pytest.fixture
def offline_torch_hub(torch_home_with_vgg16, monkeypatch):
    """``$TORCH_HOME`` set to :func:`torch_home_with_vgg16`, so configs whose LPIPS names the
    torchvision URL build offline (a file in the cache is used without network)."""
    monkeypatch.setenv('TORCH_HOME', str(torch_home_with_vgg16))
