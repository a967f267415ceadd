"""Bad input is refused up front with one clear message: corrupt latents in an annotation
folder, class counts of head vs names vs labels, batch sizes."""
from __future__ import annotations

import numpy as np
import pytest

from mmdsgan.datasets.annotation import check_annotations, write_annotation_folder
from mmdsgan.datasets.synthetic import generate_dataset
from mmdsgan.utils.errors import ConfigError, InputError

CLASSES = ['background', 'skin', 'hair']
PALETTE = [[0, 0, 0], [255, 0, 0], [0, 255, 0]]


def test_corrupt_latents_are_reported(tmp_path):
    ws = np.zeros((4, 6, 16), np.float32)
    ids = write_annotation_folder(str(tmp_path), np.zeros((4, 16, 16, 3), np.uint8), ws,
                                  CLASSES, PALETTE)
    latents = tmp_path / 'latents'
    np.save(latents / f'{ids[0]}.npy', np.zeros((5, 16), np.float32))  # another generator
    (latents / f'{ids[1]}.npy').write_text('not a latent')  # text
    np.save(latents / f'{ids[2]}.npy', np.array(['a', 'b']))  # strings
    problems = '\n'.join(check_annotations(str(tmp_path)))
    assert f'{ids[1]}.npy is not a plain .npy array' in problems
    assert f'{ids[2]}.npy holds <U1 values, not numbers' in problems
    # the first readable latent (5, 16) sets the folder's shape; the last one differs from it
    assert f'{ids[3]}.npy: shape (6, 16), but {latents / ids[0]}.npy has (5, 16)' in problems
    assert sum('shape (' in p for p in problems.splitlines()) == 1


@pytest.mark.parametrize('options, message', [
    ({'model.head.num_classes': 4}, r'model\.head\.num_classes is 4 but annotation\.classes '
                                    r'names 7'),
    ({'generation.batch_size': 0}, r'generation\.batch_size must be an integer >= 1, got 0'),
])
def test_generation_settings_checked_before_loading(toy_interpreter, tmp_path, options,
                                                    message):
    cfg_options = dict(toy_interpreter['cfg_options'], **options)
    cfg_options['model.backbone.checkpoint'] = str(tmp_path / 'not-loaded.pth')
    with pytest.raises(ConfigError, match=message):
        generate_dataset(toy_interpreter['config'], num=1, out=str(tmp_path / 'out'),
                         checkpoint=toy_interpreter['checkpoint'], cfg_options=cfg_options,
                         progress=False)
    with pytest.raises(InputError, match='batch_size must be >= 1, got 0'):
        generate_dataset(toy_interpreter['config'], num=1, out=str(tmp_path / 'out'),
                         checkpoint=toy_interpreter['checkpoint'], batch_size=0,
                         cfg_options=toy_interpreter['cfg_options'], progress=False)
    assert not (tmp_path / 'out').exists()


def test_head_refuses_labels_of_another_class_count(labeled_latents_root, toy_interpreter):
    from mmengine.registry import DefaultScope

    from mmdsgan.datasets.labeled_latent_dataset import LabeledLatentDataset
    from mmdsgan.models.labeling import build_interpreter
    from mmdsgan.utils.config import load_config

    cfg = load_config(toy_interpreter['config'],
                      dict(toy_interpreter['cfg_options'], **{'model.head.num_classes': 9}))
    model = build_interpreter(cfg, None)
    pipeline = [dict(type='LoadLatent'), dict(type='LoadLabel'), dict(type='PackLatentInputs')]
    with DefaultScope.overwrite_default_scope('mmseg'):
        item = LabeledLatentDataset(data_root=str(labeled_latents_root), pipeline=pipeline)[0]
    with pytest.raises(InputError, match=r'has 7 classes .* the head predicts 9: set '
                                         r'model\.head\.num_classes=7'):
        model.loss(item['inputs'][None], [item['data_samples']])


def test_label_without_latent_is_reported(labeled_latents_root, tmp_path):
    import shutil

    from mmdsgan.datasets.labeled_latent_dataset import LabeledLatentDataset
    from mmdsgan.tasks import LabelFileError

    root = tmp_path / 'copy'
    shutil.copytree(labeled_latents_root, root)
    (root / 'latents' / 'img2.npy').unlink()
    with pytest.raises(LabelFileError,
                       match=r'(?s)1 problem\(s\).*labels/img2\.png has no latent'):
        LabeledLatentDataset(data_root=str(root))
