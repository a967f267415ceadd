"""The seeds' benchmark configs at real resolution, built on tiny generators of the real sizes
(512 px car frame, 1024 px FFHQ) and the datasets as shipped: the car crop reaches the
interpreter and inversion from its one setting, inversion reads the merged classes, LPIPS takes
its VGG16 trunk from the torch hub cache (tests/test_configs/conftest.py), and the transfer
arm's checkpoint is the MMSeg model-zoo URL (a missing local file is one clear error)."""
from __future__ import annotations

from pathlib import Path

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope

import mmdsgan  # noqa: F401
from mmseg.registry import MODELS
from tiny_models import make_tiny_generator, tiny_generator_kwargs

# Configs whose LPIPS names torchvision's VGG16 URL find the file in a local hub cache.
pytestmark = pytest.mark.usefixtures('offline_torch_hub')

REPO = Path(__file__).resolve().parents[2]
CAR_INTERPRETER = ('configs/interpreter/'
                   'interpreter_ensemble10_car-512_car-parts-10-16shot-512x384.py')
FACE_INTERPRETER = ('configs/interpreter/'
                    'interpreter_ensemble10_ffhq-1024_celebamask-hq-8-16shot-512x512.py')
CAR_INVERT = 'configs/inversion/invert_restyle5-opt500_car-512_car-parts-10.py'
FACE_INVERT = 'configs/inversion/invert_restyle5-opt500_ffhq-1024_celebamask-hq-8.py'
TRANSFER = sorted(str(p.relative_to(REPO)) for p in
                  (REPO / 'configs' / 'downstream').glob('*real16-transfer*512x512.py'))
CAR_CROP = dict(top=64, left=0, height=384, width=512)


def _generator(tmp_path_factory, resolution: int) -> str:
    from mmdsgan.models.generators import save_generator

    kwargs = tiny_generator_kwargs(resolution, channel_base=4 * resolution, channel_max=8)
    path = tmp_path_factory.mktemp('generator') / f'tiny_g{resolution}.pth'
    save_generator(make_tiny_generator(kwargs, seed=0), path)
    return str(path)


@pytest.fixture(scope='module')
def car_generator(tmp_path_factory) -> str:
    return _generator(tmp_path_factory, 512)


@pytest.fixture(scope='module')
def face_generator(tmp_path_factory) -> str:
    return _generator(tmp_path_factory, 1024)


def _cfg(path: str, generator: str) -> Config:
    cfg = Config.fromfile(str(REPO / path))
    init_default_scope('mmseg')
    if 'backbone' in cfg.model:
        cfg.model.backbone.checkpoint = generator
    else:
        cfg.model.generator_checkpoint = generator
    return cfg


def test_car_interpreter_labels_the_384x512_window(car_generator):
    model = MODELS.build(_cfg(CAR_INTERPRETER, car_generator).model)
    assert model.grid_size == (512, 512)
    assert model.out_size == (384, 512)
    assert model.region == (64, 0, 384, 512)
    assert model.head.num_outputs == 10


def test_face_interpreter_has_handsoff_taps_at_512(face_generator):
    model = MODELS.build(_cfg(FACE_INTERPRETER, face_generator).model)
    assert model.backbone.img_resolution == 1024
    assert model.out_size == model.grid_size == (512, 512) and model.region is None
    assert model.backbone.feature_layer_names[0] == 'b4.const'  # HandsOff's const input
    assert model.head.in_channels == sum(model.backbone.feature_channels)
    assert model.head.num_outputs == 8


def test_one_crop_setting_for_interpreter_and_inversion():
    interpreter = Config.fromfile(str(REPO / CAR_INTERPRETER))
    invert = Config.fromfile(str(REPO / CAR_INVERT))
    assert interpreter.model.crop == invert.inversion.crop == CAR_CROP
    assert interpreter.model.backbone.checkpoint == invert.model.generator_checkpoint


def test_car_inversion_fits_real_cars_to_the_window(car_generator, car_parts_data_root):
    from mmdsgan.datasets.real_labeled import read_real_labeled
    from mmdsgan.models.inversion import build_inverter

    cfg = _cfg(CAR_INVERT, car_generator)
    inverter, settings = build_inverter(cfg)
    assert inverter.frame == (512, 512)
    assert inverter.fit_size == (384, 512) and inverter.region == (64, 0, 384, 512)
    assert inverter.lpips is not None  # the URL's file, found in the torch hub cache
    real = read_real_labeled(str(car_parts_data_root), 'car-parts', 'train', 'seg',
                             cfg.get('real_data'))
    assert len(real.classes) == 10 and real.classes[0] == 'background'
    sample = real.load(0, inverter.fit_size)
    assert sample.image.shape == (384, 512, 3)
    assert sample.label.shape == (384, 512) and int(sample.label.max()) <= 9


def test_face_inversion_reads_eight_classes(face_generator, celebamask_data_root):
    from mmdsgan.datasets.real_labeled import read_real_labeled
    from mmdsgan.models.inversion import build_inverter

    cfg = _cfg(FACE_INVERT, face_generator)
    inverter, settings = build_inverter(cfg)
    assert inverter.fit_size == (1024, 1024) and inverter.region is None
    assert settings['steps'] == 500 and settings['lpips_weight'] == 10.0
    real = read_real_labeled(str(celebamask_data_root), 'celebamask-hq', 'train', 'seg',
                             cfg.get('real_data'))
    assert real.classes == ['background', 'skin', 'nose', 'eye', 'brow', 'ear', 'mouth',
                            'hair']


@pytest.mark.parametrize('path', TRANSFER)
def test_transfer_arm_loads_the_zoo_url_or_a_local_file(path):
    from mmengine.runner.checkpoint import CheckpointLoader

    from mmdsgan.utils.errors import MissingFileError

    cfg = Config.fromfile(str(REPO / path))
    assert cfg.load_from.startswith('https://download.openmmlab.com/mmsegmentation/')
    assert cfg.train_dataloader.dataset.indices == 16
    with pytest.raises(MissingFileError, match='checkpoint not found: .*missing.pth'):
        CheckpointLoader.load_checkpoint('checkpoints/pretrained/missing.pth')


def test_transfer_arms_exist():
    assert len(TRANSFER) == 2
