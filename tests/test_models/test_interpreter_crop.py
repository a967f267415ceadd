"""The interpreter's ``crop`` (the LSUN-car 512x384 frame, here rows 2..14 of a 16 px generator):
images, labels, uncertainty and generated files are the crop of the uncropped computation, and
training samples pixels only inside the crop, with targets read from the crop-sized labels."""
from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import torch
from mmengine.structures import PixelData
from mmseg.structures import SegDataSample
from PIL import Image

import mmdsgan  # noqa: F401  registers the modules
from mmdsgan.utils.errors import ConfigError
from tiny_models import make_tiny_generator, tiny_generator_kwargs, write_tiny_interpreter

REPO = Path(__file__).resolve().parents[2]
INTERPRETER_CFG = REPO / 'configs/interpreter/interpreter_ensemble10_toy-faces-64x64.py'
CROP = dict(top=2, left=0, height=12, width=16)  # rows 2..14 of the 16x16 frame
TOP, LEFT, HEIGHT, WIDTH = 2, 0, 12, 16
pytestmark = pytest.mark.usefixtures('one_thread')  # tests/test_models/conftest.py


def _model_cfg(**kwargs):
    return dict(
        type='DatasetGANInterpreter',
        backbone=dict(type='StyleGAN2FeatureBackbone', generator=tiny_generator_kwargs()),
        head=dict(type='InterpreterEnsembleHead', num_classes=3, task='seg', num_members=3,
                  hidden_dims=[16, 8], chunk_pixels=50),
        num_pixels=64, **kwargs)


def _build(cfg):
    from mmengine.registry import DefaultScope
    from mmseg.registry import MODELS
    torch.manual_seed(0)  # same generator and head weights for every build
    with DefaultScope.overwrite_default_scope('mmseg'):
        model = MODELS.build(copy.deepcopy(cfg))
    with torch.no_grad():  # members that disagree: the uncertainty is not flat
        for p in model.head.parameters():
            if p.ndim > 1:
                p.normal_(0, 1.5 / p.shape[-2] ** 0.5, generator=torch.Generator().manual_seed(1))
    return model.eval()


@pytest.fixture(scope='module')
def models():
    return _build(_model_cfg()), _build(_model_cfg(crop=CROP))


def _ws(model, n=3):
    G = model.backbone.generator
    return G.mapping(torch.randn(n, G.z_dim, generator=torch.Generator().manual_seed(2)), None)


def test_crop_sets_the_output_size_and_keeps_the_grid(models):
    full, cropped = models
    assert full.out_size == full.grid_size == (16, 16) and full.region is None
    assert cropped.grid_size == (16, 16)
    assert cropped.out_size == (HEIGHT, WIDTH)
    assert cropped.region == (TOP, LEFT, HEIGHT, WIDTH)


def test_label_is_the_crop_of_the_uncropped_computation(models):
    full, cropped = models
    ws = _ws(full)
    a, b = full.label(ws), cropped.label(ws)
    rows = slice(TOP, TOP + HEIGHT)
    assert tuple(b['img'].shape) == (3, HEIGHT, WIDTH, 3)
    assert tuple(b['label'].shape) == (3, HEIGHT, WIDTH)
    assert torch.equal(b['img'], a['img'][:, rows])
    assert torch.equal(b['label'], a['label'][:, rows])
    assert torch.allclose(b['uncertainty'], a['uncertainty'][:, rows], atol=1e-6)
    assert b['uncertainty'].max() > 0
    # the per-image score is over the crop's pixels only
    k = int(np.ceil(0.1 * HEIGHT * WIDTH))
    expected = a['uncertainty'][:, rows].flatten(1).topk(k, 1).values.mean(1)
    assert torch.allclose(b['score'], expected, atol=1e-6)


def test_predict_and_tensor_modes_are_cropped(models):
    full, cropped = models
    ws = _ws(full, 2)
    samples = [SegDataSample(metainfo=dict(latent_type='wplus')) for _ in range(2)]
    for s in samples:
        s.gt_sem_seg = PixelData(data=torch.zeros(1, HEIGHT, WIDTH, dtype=torch.long))
    out = cropped.predict(ws, samples)
    ref = full.predict(ws, [SegDataSample(metainfo=dict(latent_type='wplus')) for _ in ws])
    for o, r in zip(out, ref):
        assert tuple(o.pred_sem_seg.shape) == (HEIGHT, WIDTH)
        assert torch.equal(o.pred_sem_seg.data, r.pred_sem_seg.data[:, TOP:TOP + HEIGHT])
        assert tuple(o.gt_sem_seg.shape) == (HEIGHT, WIDTH)  # already the crop's size: kept
    tensor = cropped(ws, samples, mode='tensor')
    assert tuple(tensor.shape) == (2, 3, 3, HEIGHT, WIDTH)
    assert torch.allclose(tensor, full(ws, samples, mode='tensor')[..., TOP:TOP + HEIGHT, :],
                          atol=1e-5)


def test_training_samples_only_inside_the_crop_with_crop_sized_targets(models, monkeypatch):
    _, cropped = models
    ws = _ws(cropped, 2)
    # crop-sized labels whose value names the row band: 0 rows 0-3, 1 rows 4-7, 2 rows 8-11
    label = (torch.arange(HEIGHT)[:, None] // 4).expand(HEIGHT, WIDTH).long()
    samples = [SegDataSample(metainfo=dict(latent_type='wplus', num_classes=3))
               for _ in range(2)]
    for s in samples:
        s.gt_sem_seg = PixelData(data=label[None].clone())
    seen = {}
    gather = cropped._gather

    def spy_gather(feats, coords):
        seen['coords'] = coords.clone()
        return gather(feats, coords)

    head_loss = cropped.head.loss

    def spy_loss(hypercolumns, targets, valid=None):
        seen['targets'] = targets.clone()
        return head_loss(hypercolumns, targets, valid)

    monkeypatch.setattr(cropped, '_gather', spy_gather)
    monkeypatch.setattr(cropped.head, 'loss', spy_loss)
    torch.manual_seed(3)
    losses = cropped.loss(ws, samples)
    assert torch.isfinite(losses['loss_seg'])
    coords = seen['coords']  # (M*P, 3) in the 16x16 grid
    assert coords.shape == (3 * 2 * 64, 3)
    y, x = coords[:, 1], coords[:, 2]
    assert int(y.min()) >= TOP and int(y.max()) < TOP + HEIGHT
    assert int(y.min()) == TOP and int(y.max()) == TOP + HEIGHT - 1  # the whole crop is used
    assert int(x.min()) >= LEFT and int(x.max()) < LEFT + WIDTH
    # every target is the crop-sized label at the pixel shifted back by the crop
    assert torch.equal(seen['targets'].flatten(), label[y - TOP, x - LEFT])


def test_training_hypercolumns_are_the_full_grid_pixels(models):
    full, cropped = models
    ws = _ws(full, 1)
    feats = full.extract_feats(ws, [SegDataSample(metainfo=dict(latent_type='wplus'))])
    crop_coords = torch.tensor([[0, 0, 0], [0, 11, 15], [0, 5, 7]])
    assert torch.equal(cropped.to_grid(crop_coords),
                       torch.tensor([[0, 2, 0], [0, 13, 15], [0, 7, 7]]))
    assert torch.allclose(cropped._gather(feats, cropped.to_grid(crop_coords)),
                          full._gather(feats, crop_coords + torch.tensor([0, TOP, LEFT])))


@pytest.mark.parametrize('crop', [dict(top=8, left=0, height=12, width=16),
                                  dict(top=2, left=0, height=12),
                                  dict(top=-1, left=0, height=12, width=16)])
def test_bad_crop_is_refused_in_one_line(crop):
    with pytest.raises(ConfigError, match=r"model\.crop .*16x16 grid|model\.crop must be"):
        _build(_model_cfg(crop=crop))


def test_out_size_grid_with_crop():
    """The crop is in the out_size grid (here 32x32, twice the generator's resolution)."""
    model = _build(_model_cfg(out_size=(32, 32), crop=dict(top=4, left=0, height=24, width=32)))
    out = model.label(_ws(model, 1))
    assert tuple(out['img'].shape) == (1, 24, 32, 3)
    assert tuple(out['label'].shape) == (1, 24, 32)


def test_generated_files_are_written_at_the_crop_size(tmp_path):
    from mmdsgan.datasets.synthetic import generate_dataset
    from mmdsgan.models.generators import save_generator

    generator = tmp_path / 'g16.pth'
    save_generator(make_tiny_generator(tiny_generator_kwargs(16), seed=0, bias_std=0.5),
                   generator)
    folders = {}
    for name, extra in (('full', {}), ('crop', {'model.crop': CROP})):
        options = {'model.backbone.checkpoint': str(generator), 'model.head.num_members': 3,
                   'work_dir': str(tmp_path / name), **extra}
        interpreter = write_tiny_interpreter(INTERPRETER_CFG, tmp_path / name, options, seed=0,
                                             head_gain=1.5)
        out = tmp_path / name / 'set'
        generate_dataset(interpreter['config'], num=2, out=str(out),
                         checkpoint=interpreter['checkpoint'], batch_size=2,
                         cfg_options=options, progress=False)
        folders[name] = out
    files = sorted(p.relative_to(folders['full'])
                   for p in folders['full'].rglob('*.png'))
    assert len(files) == 6  # image, label, uncertainty of 2 samples
    for rel in files:
        a = np.asarray(Image.open(folders['full'] / rel))
        b = np.asarray(Image.open(folders['crop'] / rel))
        assert b.shape[:2] == (HEIGHT, WIDTH), rel
        if 'unc_dir' in rel.parts:  # 16-bit, value = round(u * 1e4): float noise may round
            assert np.abs(b.astype(np.int64) - a[TOP:TOP + HEIGHT].astype(np.int64)).max() <= 1
        else:
            assert np.array_equal(b, a[TOP:TOP + HEIGHT]), rel
    import json
    meta = json.loads((folders['crop'] / 'metainfo.json').read_text())
    assert meta['img_size'] == [HEIGHT, WIDTH]
