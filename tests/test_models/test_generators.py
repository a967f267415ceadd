"""StyleGAN2 generator: an independent naive reference computation (straight from the formulas of
shared/reference/stylegan2-checkpoints.md), names and shapes, noise, truncation, w_avg, training."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from mmdsgan.models.generators import Generator
from tiny_models import tiny_generator_kwargs

SQRT2 = math.sqrt(2)
FIR = torch.outer(torch.tensor([1., 3, 3, 1]), torch.tensor([1., 3, 3, 1])) / 64

# ---------------------------------------------------------------- naive reference (per sample)
def ref_fc(x, weight, bias, lr=1.0, act=True):
    y = x @ (weight * lr / math.sqrt(weight.shape[1])).t() + bias * lr
    return F.leaky_relu(y, 0.2) * SQRT2 if act else y


def ref_mapping(sd, z, c, num_layers, num_ws, psi=1.0, cutoff=None):
    x = z * torch.rsqrt(z.square().mean(dim=1, keepdim=True) + 1e-8)
    if c is not None:
        y = ref_fc(c, sd['mapping.embed.weight'], sd['mapping.embed.bias'], act=False)
        x = torch.cat([x, y * torch.rsqrt(y.square().mean(dim=1, keepdim=True) + 1e-8)], dim=1)
    for i in range(num_layers):
        x = ref_fc(x, sd[f'mapping.fc{i}.weight'], sd[f'mapping.fc{i}.bias'], lr=0.01)
    ws = x[:, None].repeat(1, num_ws, 1)
    w_avg = sd['mapping.w_avg']
    stop = num_ws if cutoff is None else cutoff
    ws[:, :stop] = w_avg + psi * (ws[:, :stop] - w_avg)
    return ws


def zero_insert(x, size):
    """(1, C, H, W) -> (1, C, size, size) with x at even positions, zeros elsewhere."""
    out = torch.zeros(1, x.shape[1], size, size)
    out[:, :, ::2, ::2] = x
    return out


def fir(x, pad, gain):
    """Pad (x0, x1, y0, y1) then convolve every channel with gain * FIR."""
    x = F.pad(x, pad)
    k = (FIR * gain).flip([0, 1])[None, None].repeat(x.shape[1], 1, 1, 1)
    return F.conv2d(x, k, groups=x.shape[1])


def ref_layer(sd, p, x, w, up, clamp, w_dim):
    """One styled conv for one sample: x (1, I, h, w), w (w_dim,)."""
    s = w @ (sd[f'{p}.affine.weight'] / math.sqrt(w_dim)).t() + sd[f'{p}.affine.bias']
    wm = sd[f'{p}.weight'] * s[None, :, None, None]
    wm = wm * torch.rsqrt(wm.square().sum(dim=[1, 2, 3], keepdim=True) + 1e-8)
    if up == 1:
        y = F.conv2d(x, wm, padding=1)
    else:  # transposed conv (stride 2) written as zero insertion + full conv with flipped kernel
        h = x.shape[2]
        y = F.conv2d(F.pad(zero_insert(x, 2 * h - 1), [2, 2, 2, 2]), wm.flip([2, 3]))
        y = fir(y, [1, 1, 1, 1], 4)
    y = y + sd[f'{p}.noise_const'] * sd[f'{p}.noise_strength']
    y = F.leaky_relu(y + sd[f'{p}.bias'][None, :, None, None], 0.2) * SQRT2
    return y.clamp(-clamp, clamp)


def ref_torgb(sd, p, x, w, clamp, w_dim):
    s = (w @ (sd[f'{p}.affine.weight'] / math.sqrt(w_dim)).t() + sd[f'{p}.affine.bias'])
    s = s / math.sqrt(x.shape[1])
    y = F.conv2d(x, sd[f'{p}.weight'] * s[None, :, None, None])
    y = y + sd[f'{p}.bias'][None, :, None, None]
    return y.clamp(-clamp, clamp)


def ref_synthesis(sd, ws, img_resolution, clamp, w_dim):
    """Per sample: b4 uses ws[0], ws[1]; block i >= 1 uses ws[2i-1], ws[2i], ws[2i+1]."""
    imgs, feats = [], []
    for b in range(ws.shape[0]):
        x = sd['synthesis.b4.const'][None]
        x = ref_layer(sd, 'synthesis.b4.conv1', x, ws[b, 0], 1, clamp, w_dim)
        sample_feats = [x]
        img = ref_torgb(sd, 'synthesis.b4.torgb', x, ws[b, 1], clamp, w_dim)
        res, i = 8, 1
        while res <= img_resolution:
            p = f'synthesis.b{res}'
            x = ref_layer(sd, f'{p}.conv0', x, ws[b, 2 * i - 1], 2, clamp, w_dim)
            sample_feats.append(x)
            x = ref_layer(sd, f'{p}.conv1', x, ws[b, 2 * i], 1, clamp, w_dim)
            sample_feats.append(x)
            img = fir(zero_insert(img, res), [2, 1, 2, 1], 4) + \
                ref_torgb(sd, f'{p}.torgb', x, ws[b, 2 * i + 1], clamp, w_dim)
            res, i = res * 2, i + 1
        imgs.append(img)
        feats.append(sample_feats)
    return torch.cat(imgs), [torch.cat(fs) for fs in zip(*feats)]


# ---------------------------------------------------------------- tests
@pytest.mark.parametrize('fused', [True, False])
def test_synthesis_matches_naive_reference(fused, make_generator):
    G = make_generator()
    sd = G.state_dict()
    torch.manual_seed(1)
    ws = torch.randn(2, G.num_ws, G.w_dim)
    with torch.no_grad():
        img, feats = G.synthesis(ws, noise_mode='const', return_features=True, fused_modconv=fused)
        ref_img, ref_feats = ref_synthesis(sd, ws, 16, clamp=1.0, w_dim=G.w_dim)
    assert img.shape == (2, 3, 16, 16)
    torch.testing.assert_close(img, ref_img, atol=1e-4, rtol=0)
    assert len(feats) == len(ref_feats) == 5
    for f, r in zip(feats, ref_feats):
        torch.testing.assert_close(f, r, atol=1e-4, rtol=0)
    # conv_clamp is active: some activations sit exactly at the clamp
    assert any(bool((f.abs() == 1.0).any()) for f in feats)


def test_generator_matches_reference_with_truncation(make_generator):
    G = make_generator(seed=3)
    sd = G.state_dict()
    z = torch.randn(2, 16)
    with torch.no_grad():
        img = G(z, truncation_psi=0.7, truncation_cutoff=3)
        ws = ref_mapping(sd, z, None, 3, G.num_ws, psi=0.7, cutoff=3)
        ref_img, _ = ref_synthesis(sd, ws, 16, clamp=1.0, w_dim=16)
    torch.testing.assert_close(G.mapping(z, truncation_psi=0.7, truncation_cutoff=3), ws,
                               atol=1e-5, rtol=0)
    torch.testing.assert_close(img, ref_img, atol=1e-4, rtol=0)


def test_conditional_mapping_embeds_and_normalizes_the_label(make_generator):
    G = make_generator(c_dim=4)
    sd = G.state_dict()
    assert sd['mapping.embed.weight'].shape == (16, 4)
    assert sd['mapping.fc0.weight'].shape == (16, 32)  # z_dim + embedded c
    z, c = torch.randn(3, 16), torch.eye(4)[:3]
    with torch.no_grad():
        torch.testing.assert_close(G.mapping(z, c), ref_mapping(sd, z, c, 3, G.num_ws),
                                   atol=1e-5, rtol=0)
    with pytest.raises(ValueError, match='conditional'):
        G.mapping(z)


def test_parameter_names_and_shapes_follow_nvidia(tiny_kwargs):
    G = Generator(**tiny_kwargs)
    shapes = {k: tuple(v.shape) for k, v in G.state_dict().items()}
    # channels: min(256 // R, 32) -> 32 at 4 and 8, 16 at 16
    assert shapes['synthesis.b4.const'] == (32, 4, 4)
    assert shapes['synthesis.b4.conv1.weight'] == (32, 32, 3, 3)
    assert shapes['synthesis.b16.conv0.weight'] == (16, 32, 3, 3)
    assert shapes['synthesis.b16.conv0.affine.weight'] == (32, 16)
    assert shapes['synthesis.b16.conv0.noise_const'] == (16, 16)
    assert shapes['synthesis.b16.conv1.noise_strength'] == ()
    assert shapes['synthesis.b16.torgb.weight'] == (3, 16, 1, 1)
    assert shapes['synthesis.b8.resample_filter'] == (4, 4)
    assert shapes['mapping.fc2.weight'] == (16, 16)
    assert shapes['mapping.w_avg'] == (16,)
    torch.testing.assert_close(G.state_dict()['synthesis.b8.conv0.resample_filter'], FIR)
    # NVIDIA registration order: synthesis first; per layer params, buffers, then affine
    keys = list(shapes)
    first_mapping = keys.index('mapping.w_avg')  # a module's buffers precede its children
    assert keys[0] == 'synthesis.b4.const' and keys[first_mapping + 1] == 'mapping.fc0.weight'
    assert all(k.startswith('synthesis.') for k in keys[:first_mapping])
    assert keys[2:9] == ['synthesis.b4.conv1.' + k for k in (
        'weight', 'noise_strength', 'bias', 'resample_filter', 'noise_const', 'affine.weight',
        'affine.bias')]


@pytest.mark.parametrize('res,num_keys,params_m', [(256, 144, 30.03), (512, 163, 30.28)])
def test_config_f_counts(res, num_keys, params_m):
    G = Generator(512, 0, 512, res)
    assert len(G.state_dict()) == num_keys
    assert round(sum(p.numel() for p in G.parameters()) / 1e6, 2) == params_m
    assert G.num_ws == 2 * int(math.log2(res)) - 2
    assert G.feature_channels[0] == 512 and G.feature_channels[-1] == 32768 // res


def test_init_values_and_rebuild(tiny_kwargs):
    G = Generator(**tiny_kwargs)
    sd = G.state_dict()
    assert torch.all(sd['synthesis.b8.conv0.affine.bias'] == 1)
    assert torch.all(sd['synthesis.b8.conv0.bias'] == 0)
    assert float(sd['synthesis.b8.conv0.noise_strength']) == 0
    assert torch.all(sd['mapping.w_avg'] == 0)
    assert sd['synthesis.b8.conv0.noise_const'].std() > 0.5
    G2 = Generator(**G.init_kwargs)
    assert {k: v.shape for k, v in G2.state_dict().items()} == {k: v.shape for k, v in sd.items()}
    assert G.init_kwargs == tiny_kwargs


def test_feature_layer_metadata(tiny_kwargs):
    G = Generator(**tiny_kwargs)
    assert G.feature_layer_names == ['b4.conv1', 'b8.conv0', 'b8.conv1', 'b16.conv0', 'b16.conv1']
    assert G.feature_channels == [32, 32, 32, 16, 16]
    assert G.feature_resolutions == [4, 8, 8, 16, 16]
    assert G.num_ws == 6 and G.img_resolution == 16 and G.z_dim == 16 and G.w_dim == 16
    with torch.no_grad():
        _, feats = G.synthesis(torch.randn(1, 6, 16), return_features=True)
    assert [tuple(f.shape) for f in feats] == [(1, c, r, r) for c, r in
                                                zip(G.feature_channels, G.feature_resolutions)]


def test_constant_noise_is_repeatable_random_is_not(make_generator):
    G = make_generator()
    ws = G.mapping(torch.randn(2, 16))
    with torch.no_grad():
        a, fa = G.synthesis(ws, noise_mode='const', return_features=True)
        b, fb = G.synthesis(ws, noise_mode='const', return_features=True)
        r1 = G.synthesis(ws, noise_mode='random')
        r2 = G.synthesis(ws, noise_mode='random')
        none = G.synthesis(ws, noise_mode='none')
    assert torch.equal(a, b) and all(torch.equal(x, y) for x, y in zip(fa, fb))
    assert (r1 - r2).abs().max() > 1e-3 and (a - r1).abs().max() > 1e-3
    assert (a - none).abs().max() > 1e-3
    with pytest.raises(ValueError, match='noise_mode'):
        G.synthesis(ws, noise_mode='fixed')


def test_truncation_psi_zero_gives_w_avg_and_cutoff_limits_it(make_generator):
    G = make_generator()
    z = torch.randn(4, 16)
    with torch.no_grad():
        ws = G.mapping(z)
        ws0 = G.mapping(z, truncation_psi=0)
        wsc = G.mapping(z, truncation_psi=0.5, truncation_cutoff=2)
    assert torch.equal(ws0, G.w_avg.expand_as(ws0))
    torch.testing.assert_close(wsc[:, :2], G.w_avg + 0.5 * (ws[:, :2] - G.w_avg))
    assert torch.equal(wsc[:, 2:], ws[:, 2:])
    assert not torch.allclose(wsc[:, :2], ws[:, :2])


def test_w_avg_tracks_in_training_mode_only(tiny_kwargs):
    G = Generator(**tiny_kwargs)
    z = torch.randn(8, 16)
    G.train()
    with torch.no_grad():
        w = G.mapping(z)[:, 0]
    torch.testing.assert_close(G.w_avg, 0.005 * w.mean(dim=0))  # lerp from zeros, beta 0.995
    before = G.w_avg.clone()
    G.mapping(z, skip_w_avg_update=True)
    G.eval()
    G.mapping(z)
    assert torch.equal(G.w_avg, before)


def test_fresh_generator_is_trainable(make_generator):
    G = make_generator().train()
    G(torch.randn(2, 16)).square().mean().backward()
    missing = [n for n, p in G.named_parameters() if p.grad is None or not p.grad.abs().sum() > 0]
    assert missing == []


def test_kwargs_rules(tiny_kwargs):
    Generator(**{**tiny_kwargs, 'synthesis_kwargs': dict(
        channel_base=256, channel_max=32, num_fp16_res=4, fp16_channels_last=False,
        fused_modconv_default='inference_only')})
    with pytest.raises(ValueError, match="'kernel_size'"):
        Generator(**{**tiny_kwargs, 'synthesis_kwargs': dict(kernel_size=5)})
    with pytest.raises(ValueError, match='architecture'):
        Generator(**{**tiny_kwargs, 'synthesis_kwargs': dict(architecture='resnet')})
    with pytest.raises(ValueError, match='power of two'):
        Generator(**{**tiny_kwargs, 'img_resolution': 24})
    with pytest.raises(ValueError, match=r'ws must be \(N, 6, 16\)'):
        Generator(**tiny_kwargs).synthesis(torch.zeros(1, 5, 16))


def test_w_avg_tracking_under_autocast():
    """Mixed precision (AMP) training: the float32 w_avg is updated from low-precision ws."""
    G = Generator(**tiny_generator_kwargs()).train()  # default init, the global RNG as it is
    before = G.mapping.w_avg.clone()
    with torch.autocast('cpu', dtype=torch.bfloat16):
        G.mapping(torch.randn(4, 16))
    assert G.mapping.w_avg.dtype == torch.float32
    assert not torch.equal(G.mapping.w_avg, before)
