"""The interpreter ensemble head: both paths equal the materialised computation, and the
ensemble statistics (vote, Jensen-Shannon uncertainty, top-10% score, keypoint decoding)."""
from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from mmdsgan.models.backbones.stylegan2_feature_backbone import sample_hypercolumns
from mmdsgan.models.heads.interpreter_ensemble_head import InterpreterEnsembleHead
from mmdsgan.tasks import top_ratio_score
from mmdsgan.tasks.keypoints import decode_keypoints, gaussian_heatmap_values
from mmdsgan.tasks.seg import js_divergence, majority_vote

OUT = (32, 32)
MEMBERS = 3
pytestmark = pytest.mark.usefixtures('one_thread')  # tests/test_models/conftest.py


def _feats(n: int = 2) -> list[torch.Tensor]:
    """Maps below, at and above the output resolution (64 -> 32 is a downsampling)."""
    g = torch.Generator().manual_seed(0)
    shapes = [(8, 4, 4), (6, 8, 8), (4, 16, 16), (3, 32, 32), (2, 64, 64)]
    return [torch.randn(n, *s, generator=g) for s in shapes]


def _head(task: str, k: int, **kwargs) -> InterpreterEnsembleHead:
    """A head with O(1) outputs and non-trivial BN statistics, in eval mode."""
    torch.manual_seed(1)
    head = InterpreterEnsembleHead(23, k, task=task, num_members=MEMBERS, **kwargs)
    with torch.no_grad():
        for linear in head.mlp.linears:
            linear.weight.normal_(0, 0.4)
            linear.bias.normal_(0, 0.3)
        for norm in head.mlp.norms:
            norm.weight.uniform_(0.5, 1.5)
            norm.bias.normal_(0, 0.2)
            norm.running_mean.normal_(0, 0.3)
            norm.running_var.uniform_(0.5, 2.0)
    return head.eval()


def _materialised(feats: list[torch.Tensor]) -> torch.Tensor:
    """Every map upsampled to full resolution and concatenated: (N, C, H, W)."""
    return torch.cat([F.interpolate(f, OUT, mode='bilinear', align_corners=False)
                      for f in feats], 1)


def _reference(head: InterpreterEnsembleHead, pixels: torch.Tensor) -> torch.Tensor:
    """Each member's plain nn.Sequential MLP on (P, C) pixels: (M, P, K)."""
    return torch.stack([head.mlp.member(m).eval()(pixels) for m in range(MEMBERS)])


@pytest.mark.parametrize('hidden_dims', [None, (2, 4)],
                         ids=['maps-resampled-first', 'both-orders'])
@pytest.mark.parametrize('task,k', [('seg', 5), ('depth', 1), ('keypoints', 4)])
def test_image_path_equals_materialised(task, k, hidden_dims):
    # Default widths: every map is narrower than M*H1 and is resampled before projection.
    # hidden_dims (2, 4): M*H1 = 6, so the 2- and 3-channel maps are resampled first and the
    # 4-, 6- and 8-channel maps are projected at their own resolution, then resampled.
    feats = _feats()
    head = _head(task, k, chunk_pixels=150, hidden_dims=hidden_dims)  # bands: 2 rows x 2 images
    full = _materialised(feats)  # (N, C, H, W)
    ref = _reference(head, full.permute(0, 2, 3, 1).reshape(-1, 23))  # (M, N*H*W, K)
    ref = ref.view(MEMBERS, 2, *OUT, k).permute(1, 0, 4, 2, 3)  # (N, M, K, H, W)
    with torch.no_grad():
        out = head.forward_image(feats, OUT)
    assert out.shape == (2, MEMBERS, k, *OUT)
    assert ref.abs().max() > 0.5  # a real comparison, not of near-zero outputs
    torch.testing.assert_close(out, ref, atol=1e-4, rtol=0)


@pytest.mark.parametrize('task,k', [('seg', 5), ('depth', 1), ('keypoints', 4)])
def test_pixel_path_equals_materialised(task, k):
    feats, head = _feats(), _head(task, k)
    full = _materialised(feats)
    g = torch.Generator().manual_seed(2)
    coords = torch.stack([torch.randint(0, 2, (MEMBERS, 40), generator=g),
                          torch.randint(0, OUT[0], (MEMBERS, 40), generator=g),
                          torch.randint(0, OUT[1], (MEMBERS, 40), generator=g)], -1)
    gathered = sample_hypercolumns(feats, coords.view(-1, 3), OUT)  # the backbone's gather
    indexed = full[coords[..., 0], :, coords[..., 1], coords[..., 2]]  # (M, P, C)
    torch.testing.assert_close(gathered.view(MEMBERS, 40, -1), indexed, atol=1e-5, rtol=0)
    with torch.no_grad():
        out = head(gathered.view(MEMBERS, 40, -1))  # each member on its own pixels
        ref = torch.stack([head.mlp.member(m).eval()(indexed[m]) for m in range(MEMBERS)])
    torch.testing.assert_close(out, ref, atol=1e-4, rtol=0)


def test_bands_respect_chunk_pixels():
    feats, head = _feats(), _head('seg', 5, chunk_pixels=200)
    rows = [stop - start for start, stop, _ in head.iter_bands(feats, OUT)]
    assert sum(rows) == OUT[0] and max(rows) * 2 * OUT[1] <= 200


def test_predict_reduces_member_outputs():
    feats, head = _feats(), _head('seg', 5, chunk_pixels=300)
    with torch.no_grad():
        members = head.forward_image(feats, OUT)  # (N, M, K, H, W)
    probs = members.softmax(2)
    pred = head.predict(feats, OUT)
    torch.testing.assert_close(pred['probs'], probs.mean(1), atol=1e-5, rtol=0)
    assert torch.equal(pred['label'], majority_vote(members.argmax(2), 5))
    torch.testing.assert_close(pred['uncertainty'], js_divergence(probs), atol=1e-5, rtol=0)
    assert pred['score'].shape == (2,)

    mean_head = _head('seg', 5, vote='mean')
    assert torch.equal(mean_head.predict(feats, OUT)['label'], pred['probs'].argmax(1))


def test_regression_uncertainty_is_member_std():
    feats, head = _feats(), _head('depth', 1)
    with torch.no_grad():
        members = head.forward_image(feats, OUT)[:, :, 0]  # (N, M, H, W)
    pred = head.predict(feats, OUT)
    torch.testing.assert_close(pred['label'], members.mean(1), atol=1e-5, rtol=0)
    torch.testing.assert_close(pred['uncertainty'], members.std(1, correction=0), atol=1e-5,
                               rtol=0)


def test_js_divergence_zero_iff_members_agree():
    feats, head = _feats(), _head('seg', 5)
    assert head.predict(feats, OUT)['uncertainty'].min() > 0
    with torch.no_grad():  # every member a copy of member 0
        for module in list(head.mlp.linears) + list(head.mlp.norms):
            for name, tensor in module.named_parameters(recurse=False):
                if tensor.dim() == 1:  # BN over M * width channels
                    tensor.copy_(tensor[:tensor.numel() // MEMBERS].repeat(MEMBERS))
                else:
                    tensor.copy_(tensor[:1].expand_as(tensor))
            for name, tensor in module.named_buffers(recurse=False):
                if tensor.dim() == 1:
                    tensor.copy_(tensor[:tensor.numel() // MEMBERS].repeat(MEMBERS))
    pred = head.predict(feats, OUT)
    assert pred['uncertainty'].abs().max() < 1e-6
    assert pred['score'].abs().max() < 1e-6


def test_js_divergence_hand_values():
    probs = torch.tensor([[[1.0, 0.0], [0.0, 1.0]]])  # (N=1, M=2, K=2): certain, disagreeing
    assert js_divergence(probs).item() == pytest.approx(math.log(2), abs=1e-6)
    probs = torch.tensor([[[0.5, 0.5], [0.5, 0.5]]])  # agreeing, each uncertain
    assert js_divergence(probs).item() == pytest.approx(0.0, abs=1e-7)


def test_majority_vote():
    member_labels = torch.tensor([[[0, 2, 1, 3],
                                   [2, 2, 3, 1],
                                   [2, 0, 3, 0]]])  # (N=1, M=3, P=4)
    # columns: {0,2,2} -> 2; {2,2,0} -> 2; {1,3,3} -> 3; {3,1,0} all tie -> smallest, 0
    assert majority_vote(member_labels, 4).tolist() == [[2, 2, 3, 0]]


def test_top_ratio_score_by_hand():
    unc = torch.arange(100.0).view(1, 10, 10)
    assert top_ratio_score(unc, 0.1).item() == pytest.approx(sum(range(90, 100)) / 10)
    unc = torch.arange(30.0).view(1, 5, 6)
    assert top_ratio_score(unc, 0.05).item() == pytest.approx((29 + 28) / 2)  # ceil(1.5) = 2
    with pytest.raises(ValueError, match='top_ratio'):
        top_ratio_score(unc, 0.0)


def _gaussian_map(x: float, y: float, size=(16, 20), sigma=2.0) -> torch.Tensor:
    coords = torch.stack(torch.meshgrid(torch.zeros(1).long(), torch.arange(size[0]),
                                        torch.arange(size[1]), indexing='ij'), -1).view(-1, 3)
    values, _ = gaussian_heatmap_values(torch.tensor([[[x, y, 1.0]]]), coords, sigma)
    return values.view(1, 1, *size)


def test_keypoint_decode():
    heatmap = _gaussian_map(10.3, 5.8)
    x, y = decode_keypoints(heatmap, 'argmax')[0, 0].tolist()
    assert (x, y) == (10.25, 5.75)  # argmax (10, 6), a quarter pixel towards the larger side
    x, y = decode_keypoints(heatmap, 'centroid')[0, 0].tolist()
    assert x == pytest.approx(10.3, abs=0.05) and y == pytest.approx(5.8, abs=0.05)
    noise = torch.rand(heatmap.shape, generator=torch.Generator().manual_seed(0))
    background = heatmap + 0.3 * noise
    x, y = decode_keypoints(background, 'centroid')[0, 0].tolist()  # noise below half max
    assert x == pytest.approx(10.3, abs=0.25) and y == pytest.approx(5.8, abs=0.25)
    border = _gaussian_map(0.0, 15.0)
    assert decode_keypoints(border, 'argmax')[0, 0].tolist() == [0.0, 15.0]


def test_losses_ignore_invalid_targets():
    torch.manual_seed(0)
    head = _head('seg', 3)  # eval: BN batch statistics would differ between 5 and 10 pixels
    hc = torch.randn(MEMBERS, 10, 23)
    targets = torch.randint(0, 3, (MEMBERS, 10))
    ignored = targets.clone()
    ignored[:, 5:] = 255
    full = head.loss(hc[:, :5], targets[:, :5])['loss_seg']
    assert torch.allclose(head.loss(hc, ignored)['loss_seg'], full, atol=1e-6)

    head = _head('depth', 1, depth_loss='mse').eval()
    depth = torch.rand(MEMBERS, 10) + 0.5
    with torch.no_grad():
        out = head(hc)[..., 0]
    depth_invalid = depth.clone()
    depth_invalid[:, ::2] = 0
    expected = ((out - depth)[:, 1::2] ** 2).mean()
    assert torch.allclose(head.loss(hc, depth_invalid)['loss_depth'], expected, atol=1e-5)

    head = _head('keypoints', 2).eval()
    values, valid = torch.rand(MEMBERS, 10, 2), torch.ones(MEMBERS, 10, 2, dtype=torch.bool)
    valid[..., 1] = False
    with torch.no_grad():
        out = head(hc)
    expected = ((out - values)[..., 0] ** 2).mean()
    assert torch.allclose(head.loss(hc, values, valid)['loss_keypoints'], expected, atol=1e-5)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match='task'):
        InterpreterEnsembleHead(8, 2, task='pose')
    head = InterpreterEnsembleHead(8, 2, num_members=2)
    with pytest.raises(ValueError, match='in_channels'):
        head.predict(_feats(), OUT)


def test_default_widths_follow_datasetgan():
    assert InterpreterEnsembleHead(8, 31).mlp.hidden_dims == (128, 32)
    assert InterpreterEnsembleHead(8, 32).mlp.hidden_dims == (256, 128)
    head = InterpreterEnsembleHead(8, 5)
    assert head.mlp.first.weight.shape == (10, 8, 128)
    assert head.mlp.first.bias.abs().max() == 0
    assert head.mlp.first.weight.std().item() == pytest.approx(0.02, rel=0.1)


@pytest.mark.parametrize('task,k', [('seg', 5), ('keypoints', 4)])
def test_region_is_the_window_of_the_full_prediction(task, k):
    # A crop (e.g. LSUN-car's 512x384 inside 512x512) labels only its window of the grid.
    feats, head = _feats(), _head(task, k, chunk_pixels=150)
    full, part = head.predict(feats, OUT), head.predict(feats, OUT, region=(5, 3, 20, 26))
    assert part['uncertainty'].shape == (2, 20, 26)
    torch.testing.assert_close(part['uncertainty'], full['uncertainty'][:, 5:25, 3:29],
                               atol=1e-5, rtol=0)
    label = full['label'][..., 5:25, 3:29]
    if task == 'seg':
        assert (part['label'] == label).float().mean() > 0.999
    else:
        torch.testing.assert_close(part['label'], label, atol=1e-5, rtol=0)
    with pytest.raises(ValueError, match='does not fit'):
        head.predict(feats, OUT, region=(20, 0, 20, 32))
