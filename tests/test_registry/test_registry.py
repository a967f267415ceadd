"""``import mmdsgan`` registers the plugin's modules in MMSeg's registries, documented."""
from __future__ import annotations

import inspect

import pytest
from mmseg import registry as mmseg_registry

import mmdsgan

REGISTRIES = ('MODELS', 'DATASETS', 'TRANSFORMS', 'METRICS', 'HOOKS')


def _plugin_modules():
    found = []
    for reg_name in REGISTRIES:
        reg = getattr(mmseg_registry, reg_name)
        for name, obj in reg.module_dict.items():
            if getattr(obj, '__module__', '').startswith('mmdsgan.'):
                found.append((reg_name, name, obj))
    return found


PLUGIN_MODULES = _plugin_modules()


def test_core_modules_are_registered():
    names = {name for _, name, _ in PLUGIN_MODULES}
    assert {'ToyFacesDataset'} <= names
    assert len(PLUGIN_MODULES) >= 1


@pytest.mark.parametrize('reg_name,name,obj', PLUGIN_MODULES,
                         ids=[f'{r}.{n}' for r, n, _ in PLUGIN_MODULES])
def test_lookup_by_name_in_mmseg_scope(reg_name, name, obj):
    reg = getattr(mmseg_registry, reg_name)
    assert reg.scope == 'mmseg'
    assert reg.get(name) is obj
    assert reg.get(f'mmseg.{name}') is obj


@pytest.mark.parametrize('reg_name,name,obj', PLUGIN_MODULES,
                         ids=[f'{r}.{n}' for r, n, _ in PLUGIN_MODULES])
def test_public_modules_are_documented(reg_name, name, obj):
    doc = inspect.getdoc(obj) or ''
    assert len(doc.split()) >= 8, f'{name} needs a docstring with its arguments and shapes'


def test_package_version():
    assert mmdsgan.__version__
