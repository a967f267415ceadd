"""Every config loads, names the plugin, and builds its model and datasets (on test-made data)."""
from __future__ import annotations

from pathlib import Path

import pytest
from mmengine.config import Config, ConfigDict
from mmengine.registry import init_default_scope

import mmdsgan  # noqa: F401
from mmseg.registry import DATASETS, MODELS

# Configs whose LPIPS names torchvision's VGG16 URL find the file in a local hub cache.
pytestmark = pytest.mark.usefixtures('offline_torch_hub')

REPO = Path(__file__).resolve().parents[2]
CONFIGS = sorted(str(p.relative_to(REPO)) for p in (REPO / 'configs').rglob('*.py')
                 if '_base_' not in p.parts
                 and p.parts[-2] not in ('benchmark', 'experiments'))
SPECS = sorted(str(p.relative_to(REPO)) for p in (REPO / 'configs' / 'benchmark').glob('*.py'))

# Where each dataset type finds test-made data (fixture name), and the types that need none.
DATA_FIXTURES = {'ToyFacesDataset': 'toy_faces_root', 'SyntheticSegDataset': 'synthetic_root',
                 'LabeledLatentDataset': 'labeled_latents_root',
                 'ToyFacesDepthDataset': 'toy_faces_root',
                 'ToyFacesKeypointDataset': 'toy_faces_root',
                 'SyntheticDepthDataset': 'synthetic_depth_root',
                 'SyntheticKeypointDataset': 'synthetic_keypoint_root'}
WRAPPERS = {'ConcatDataset': 'datasets', 'RepeatDataset': 'dataset'}


def _redirect_data(dataset: ConfigDict, request) -> None:
    kind = dataset['type']
    if kind in WRAPPERS:
        children = dataset[WRAPPERS[kind]]
        for child in children if isinstance(children, list) else [children]:
            _redirect_data(child, request)
    elif kind == 'OnTheFlySyntheticDataset':
        interpreter = request.getfixturevalue('toy_interpreter')
        dataset.update(interpreter=interpreter['config'], checkpoint=interpreter['checkpoint'],
                       cfg_options=interpreter['cfg_options'], length=4)
    elif kind in DATA_FIXTURES:
        dataset['data_root'] = str(request.getfixturevalue(DATA_FIXTURES[kind]))
    elif 'data_root' in dataset:
        pytest.fail(f'dataset type {kind} reads data_root: add test data for it in DATA_FIXTURES')


def _redirect_generators(node, generator: str) -> None:
    """Point every generator checkpoint of the config at the tiny test generator."""
    if isinstance(node, dict):
        if node.get('type') in ('StyleGAN2FeatureBackbone',) and 'checkpoint' in node:
            node['checkpoint'] = generator
        for key, value in node.items():
            if key in ('generator_checkpoint',):
                node[key] = generator
            else:
                _redirect_generators(value, generator)
    elif isinstance(node, list):
        for item in node:
            _redirect_generators(item, generator)


@pytest.mark.parametrize('path', CONFIGS)
def test_config_builds_model_and_datasets(path, request, tiny_generator_64):
    cfg = Config.fromfile(str(REPO / path))
    assert cfg.custom_imports['imports'] == ['mmdsgan'], 'configs must load the plugin'
    assert cfg.custom_imports['allow_failed_imports'] is False
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    _redirect_generators(cfg._cfg_dict, str(tiny_generator_64))
    model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 0
    for split in ('train', 'val', 'test'):
        loader = cfg.get(f'{split}_dataloader')
        if not loader:
            continue
        _redirect_data(loader['dataset'], request)
        dataset = DATASETS.build(loader['dataset'])
        assert len(dataset) > 0, f'{path}: {split} dataset is empty'
        sample = dataset[0]
        assert 'inputs' in sample


@pytest.mark.parametrize('path', SPECS)
def test_benchmark_specs_name_existing_configs(path):
    from mmdsgan.evaluation.benchmark import load_spec

    spec = load_spec(str(REPO / path))
    assert len(spec.arms) >= 2


# The real datasets as shipped (tests/real_fixtures.py; fixtures in tests/test_configs/conftest.py).
DATA_FIXTURES.update({'CarPartsDataset': 'car_parts_data_root',
                      'CelebAMaskHQDataset': 'celebamask_data_root'})
