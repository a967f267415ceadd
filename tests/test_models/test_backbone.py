"""StyleGAN2FeatureBackbone: registry build, layer selection, latent types, frozen generator and
bilinear hypercolumn sampling."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from mmseg.registry import MODELS

from mmdsgan.models.backbones import StyleGAN2FeatureBackbone
from mmdsgan.models.generators import save_generator


@pytest.fixture
def backbone(tiny_kwargs) -> StyleGAN2FeatureBackbone:
    return MODELS.build(dict(type='StyleGAN2FeatureBackbone', generator=tiny_kwargs,
                             truncation_psi=0.7))


def test_registry_build_and_attributes(backbone):
    assert isinstance(backbone, StyleGAN2FeatureBackbone)
    assert backbone.feature_channels == [32, 32, 32, 16, 16]
    assert backbone.out_channels == 128
    assert (backbone.img_resolution, backbone.num_ws, backbone.w_dim, backbone.z_dim) == \
        (16, 6, 16, 16)
    out = backbone(torch.randn(2, 16))
    assert out['img'].shape == (2, 3, 16, 16)
    assert [tuple(f.shape) for f in out['feats']] == [
        (2, 32, 4, 4), (2, 32, 8, 8), (2, 32, 8, 8), (2, 16, 16, 16), (2, 16, 16, 16)]


def test_seeded_random_generator_is_reproducible(tiny_kwargs):
    a = StyleGAN2FeatureBackbone(generator=tiny_kwargs, generator_seed=3)
    b = StyleGAN2FeatureBackbone(generator=tiny_kwargs, generator_seed=3)
    c = StyleGAN2FeatureBackbone(generator=tiny_kwargs, generator_seed=4)
    z = torch.randn(1, 16)
    assert torch.equal(a(z)['img'], b(z)['img'])
    assert not torch.equal(a(z)['img'], c(z)['img'])


def test_layer_selection_by_name_and_index(tiny_kwargs):
    full = StyleGAN2FeatureBackbone(generator=tiny_kwargs)
    by_name = StyleGAN2FeatureBackbone(generator=tiny_kwargs, layers=['b16.conv1', 'b8.conv0'])
    by_index = StyleGAN2FeatureBackbone(generator=tiny_kwargs, layers=[-1, 1])
    assert by_name.feature_layer_names == by_index.feature_layer_names == ['b16.conv1', 'b8.conv0']
    assert by_name.feature_channels == [16, 32] and by_name.out_channels == 48
    assert by_name.feature_resolutions == [16, 8]
    z = torch.randn(2, 16)
    all_feats = full(z)['feats']
    for sub in (by_name(z)['feats'], by_index(z)['feats']):
        assert torch.equal(sub[0], all_feats[4]) and torch.equal(sub[1], all_feats[1])
    with pytest.raises(ValueError, match="unknown feature layer 'b32.conv0'"):
        StyleGAN2FeatureBackbone(generator=tiny_kwargs, layers=['b32.conv0'])
    with pytest.raises(ValueError, match='out of range'):
        StyleGAN2FeatureBackbone(generator=tiny_kwargs, layers=[5])


def test_const_input_can_lead_the_features(tiny_kwargs):
    bb = StyleGAN2FeatureBackbone(generator=tiny_kwargs, layers=['b8.conv1'], include_const=True)
    assert bb.feature_layer_names == ['b4.const', 'b8.conv1']
    assert bb.feature_channels == [32, 32] and bb.feature_resolutions == [4, 8]
    feats = bb(torch.randn(2, 16))['feats']
    assert feats[0].shape == (2, 32, 4, 4)
    assert torch.equal(feats[0][1], bb.generator.synthesis.b4.const)


def test_latent_types_agree(backbone):
    z = torch.randn(2, 16)
    ws = backbone.generator.mapping(z, truncation_psi=0.7)
    from_z = backbone(z)
    from_wplus = backbone(ws, latent_type='wplus')
    from_w = backbone(ws[:, 0], latent_type='w')
    for other in (from_wplus, from_w):
        assert torch.equal(other['img'], from_z['img'])
        assert all(torch.equal(a, b) for a, b in zip(other['feats'], from_z['feats']))
    wplus = backbone.generator.mapping(torch.randn(1, 16))
    wplus[:, 3:] = backbone.generator.mapping(torch.randn(1, 16))[:, 3:]  # style mixing
    assert backbone(wplus, latent_type='wplus')['img'].shape == (1, 3, 16, 16)
    with pytest.raises(ValueError, match='wplus latents must be'):
        backbone(ws[:, 0], latent_type='wplus')


def test_generator_is_frozen_but_latents_get_gradients(backbone):
    backbone.train()
    assert backbone.training and not backbone.generator.training
    assert not any(p.requires_grad for p in backbone.parameters())
    w = backbone.generator.mapping(torch.randn(1, 16)).clone().requires_grad_(True)
    backbone(w, latent_type='wplus')['img'].sum().backward()
    assert w.grad is not None and w.grad.abs().sum() > 0
    assert all(p.grad is None for p in backbone.parameters())
    before = backbone.generator.w_avg.clone()
    backbone(torch.randn(4, 16))  # no w_avg tracking: the generator stays in eval mode
    assert torch.equal(backbone.generator.w_avg, before)


@pytest.mark.parametrize('out_size', [16, 37, (24, 40)])
def test_pixel_hypercolumns_equal_full_upsampling(backbone, out_size):
    with torch.no_grad():
        feats = backbone(torch.randn(2, 16))['feats']
    h, w = (out_size, out_size) if isinstance(out_size, int) else out_size
    g = torch.Generator().manual_seed(0)
    coords = torch.stack([torch.randint(0, 2, (300,), generator=g),
                          torch.randint(0, h, (300,), generator=g),
                          torch.randint(0, w, (300,), generator=g)], dim=1)
    corners = torch.tensor([[0, 0, 0], [1, h - 1, w - 1], [0, 0, w - 1], [1, h - 1, 0]])
    coords = torch.cat([coords, corners])
    cols = backbone.pixel_hypercolumns(feats, coords, out_size)
    full = torch.cat([F.interpolate(f, size=(h, w), mode='bilinear', align_corners=False)
                      for f in feats], dim=1)  # (N, 128, h, w)
    expected = full[coords[:, 0], :, coords[:, 1], coords[:, 2]]
    assert cols.shape == (len(coords), backbone.out_channels)
    torch.testing.assert_close(cols, expected, atol=1e-5, rtol=0)
    with pytest.raises(ValueError, match='outside'):
        backbone.pixel_hypercolumns(feats, torch.tensor([[0, h, 0]]), out_size)
    # Maps autograd records through take the indexing path: same values, gradients flow.
    leaves = [f.clone().requires_grad_(True) for f in feats]
    graded = backbone.pixel_hypercolumns(leaves, coords, out_size)
    torch.testing.assert_close(graded, expected, atol=1e-5, rtol=0)
    graded.sum().backward()
    assert all(leaf.grad is not None and leaf.grad.abs().sum() > 0 for leaf in leaves)


def test_build_from_checkpoint(tmp_path, make_generator):
    G = make_generator()
    save_generator(G, tmp_path / 'g.pth')
    backbone = MODELS.build(dict(type='StyleGAN2FeatureBackbone',
                                 checkpoint=str(tmp_path / 'g.pth'), layers=['b4.conv1']))
    z = torch.randn(2, 16)
    with torch.no_grad():
        img, feats = G.synthesis(G.mapping(z), return_features=True)
    out = backbone(z)
    assert torch.equal(out['img'], img) and torch.equal(out['feats'][0], feats[0])
    with pytest.raises(ValueError, match='exactly one of'):
        StyleGAN2FeatureBackbone()
