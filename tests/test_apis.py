"""mmdsgan.apis: the Python entry points give the same samples as the command-line tools."""
from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from mmdsgan import apis
from mmdsgan.datasets.synthetic import read_manifest


@pytest.fixture(scope='module')
def model(toy_interpreter):
    return apis.init_interpreter(toy_interpreter['config'], toy_interpreter['checkpoint'],
                                 cfg_options=toy_interpreter['cfg_options'])


def test_label_seeds_equals_the_generated_folder(model, synthetic_root):
    # synthetic_root: seeds 0..5 generated with batch size 3 (tests/conftest.py)
    batch = apis.label_seeds(model, [3, 4, 5], batch_size=3)
    assert batch.images.shape == (3, 64, 64, 3) and batch.images.dtype == np.uint8
    assert batch.labels.shape == (3, 64, 64) and batch.ws.shape[0] == 3
    records = {r['seed']: r for r in read_manifest(str(synthetic_root))}
    for i, seed in enumerate([3, 4, 5]):
        image = np.asarray(Image.open(synthetic_root / records[seed]['img']))
        label = np.asarray(Image.open(synthetic_root / records[seed]['ann']))
        assert np.array_equal(batch.images[i], image)  # same seed rule, same batch shape
        assert np.array_equal(batch.labels[i], label)
        assert batch.scores[i] == pytest.approx(records[seed]['score'], rel=1e-6)


def test_label_latents_of_the_seeds_ws(model):
    batch = apis.label_seeds(model, [7, 8], batch_size=2)
    out = apis.label_latents(model, batch.ws)
    assert set(out) == {'img', 'label', 'uncertainty', 'score'}
    assert np.array_equal(out['img'], batch.images)
    assert np.array_equal(out['label'], batch.labels)
    np.testing.assert_allclose(out['uncertainty'], batch.uncertainty, atol=1e-6)


def test_init_interpreter_without_checkpoint_names_the_fix(toy_interpreter, tmp_path):
    options = dict(toy_interpreter['cfg_options'], work_dir=str(tmp_path / 'untrained'))
    with pytest.raises(FileNotFoundError, match='no trained interpreter found.*tools/train.py'):
        apis.init_interpreter(toy_interpreter['config'], cfg_options=options)
