"""The banded first layer equals projecting the materialised hypercolumns, whichever order
(project first / resample first) and column form (windowed GEMM / dense) each map takes."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from mmdsgan.models.heads import band_projection
from mmdsgan.models.heads.band_projection import BandProjection, project_first

pytestmark = pytest.mark.usefixtures('one_thread')  # tests/test_models/conftest.py

# (channels, H, W) per map. Two maps share 24x32 (one group); at the 96x128 output the 4x4,
# 24x32 and 48x64 groups are widened by integer factors with enough blocks for the windowed
# GEMM, the 12x20 map (factor 6.4) by the dense column matrix, 96x128 needs no resampling.
SHAPES = [(5, 4, 4), (4, 24, 32), (3, 24, 32), (6, 12, 20), (4, 48, 64), (3, 96, 128)]
OUT = (96, 128)


def _inputs(shapes=SHAPES, n: int = 2, width: int = 16):
    g = torch.Generator().manual_seed(0)
    feats = [torch.randn(n, *s, generator=g) for s in shapes]
    weight = torch.randn(width, sum(s[0] for s in shapes), generator=g)
    bias = torch.randn(width, generator=g)
    return feats, weight, bias


def _reference(feats, weight, bias, out_size):
    full = torch.cat([F.interpolate(f, out_size, mode='bilinear', align_corners=False)
                      for f in feats], 1)  # (N, C, H, W)
    return torch.einsum('pc,nchw->nphw', weight, full) + bias[None, :, None, None]


def _banded(feats, weight, bias, out_size, band_rows, rows=None):
    projection = BandProjection(feats, weight, bias, out_size)
    # Bands share one buffer: copy each before asking for the next.
    return torch.cat([h.clone() for _, _, h in projection.bands(band_rows, rows)], 2)


@pytest.mark.parametrize('order', ['cost-model', 'project-first', 'resample-first'])
@pytest.mark.parametrize('band_rows', [1, 7, 96])
def test_bands_equal_materialised(monkeypatch, order, band_rows):
    if order != 'cost-model':
        monkeypatch.setattr(band_projection, 'project_first',
                            lambda *args: order == 'project-first')
    feats, weight, bias = _inputs()
    ref = _reference(feats, weight, bias, OUT)
    with torch.no_grad():
        out = _banded(feats, weight, bias, OUT, band_rows)
    assert ref.abs().max() > 5  # a real comparison
    torch.testing.assert_close(out, ref, atol=1e-4, rtol=0)


def test_both_column_forms_are_used():
    projection = BandProjection(*_inputs(), OUT)
    windowed = {(cols.src_width, cols.windowed) for _, _, cols in projection.projected}
    windowed |= {(cols.src_width, cols.windowed) for *_, cols in projection.resampled}
    assert windowed == {(4, True), (32, True), (64, True), (20, False)}


def test_row_range_and_downsampling():
    # A map larger than the output (downsampling) and a window of rows, as a crop asks for.
    feats, weight, bias = _inputs([(4, 8, 8), (3, 64, 64), (2, 128, 128)])
    ref = _reference(feats, weight, bias, (64, 64))
    with torch.no_grad():
        out = _banded(feats, weight, bias, (64, 64), 5, rows=(9, 40))
    torch.testing.assert_close(out, ref[:, :, 9:40], atol=1e-4, rtol=0)


def test_autograd_path_matches_and_backpropagates():
    feats, weight, bias = _inputs()
    weight.requires_grad_(True)
    out = _banded(feats, weight, bias, OUT, 13)
    torch.testing.assert_close(out, _reference(feats, weight, bias, OUT), atol=1e-4, rtol=0)
    out.square().mean().backward()
    assert weight.grad is not None and weight.grad.abs().sum() > 0


def test_cost_model_prefers_the_cheaper_order():
    # Wide maps (config-f: 512 channels at 64x64 for a 256x256 output) are projected first;
    # narrow ones (a few channels against a 1280-wide first layer) resampled first.
    assert project_first(512, (64, 64), (256, 256), 1280)
    assert not project_first(4, (32, 32), (64, 64), 1280)
    assert project_first(4, (64, 64), (64, 64), 1280)  # output size: nothing to resample
