"""DatasetGAN's interpreter: an ensemble of per-pixel MLPs on generator hypercolumns.

Two paths share the same weights:

* training: hypercolumns of sampled pixels, (M, P, C), one pixel sample per member;
* labeling whole images: the first linear layer is split by feature map and applied to every map
  at its own resolution (a 1x1 convolution to M * H1 channels), then resampled bilinearly
  (``align_corners=False``) to the output size and summed, plus the bias. Resampling is linear
  with weights summing to 1 per output pixel, so this equals resample-concatenate-project. The
  rest of the MLP runs per pixel. The output is produced in bands of rows of at most
  ``chunk_pixels`` pixels, so no full-resolution tensor wider than ~M * H1 channels ever exists
  (and that one only for a band).
"""
from __future__ import annotations

from typing import Iterator, Sequence

import torch
from mmengine.model import BaseModule
from mmseg.registry import MODELS

from mmdsgan.tasks import get_task, task_names, top_ratio_score

from .bilinear_taps import LinearTaps, linear_taps, resample_rows
from .ensemble_mlp import EnsembleMLP

__all__ = ['InterpreterEnsembleHead']


@MODELS.register_module()
class InterpreterEnsembleHead(BaseModule):
    """An ensemble of M pixel MLPs for segmentation, depth or keypoint heatmaps.

    Args:
        in_channels: C, the hypercolumn width (the sum of the feature maps' channels), or the
            list of per-map channels.
        num_classes: K: classes (``'seg'``), keypoints (``'keypoints'``); ignored for
            ``'depth'`` (K = 1).
        task: a label task of :mod:`mmdsgan.tasks`: ``'seg'`` (cross-entropy), ``'depth'``
            (per-pixel regression; pixels with depth <= 0 are invalid) or ``'keypoints'`` (one
            Gaussian heatmap per keypoint, MSE). The task owns the loss, vote and uncertainty.
        num_members: M (DatasetGAN: 10).
        hidden_dims: MLP hidden widths; ``None``: (128, 32) below 32 outputs, else (256, 128).
        norm: ``'bn'`` (BatchNorm after ReLU, DatasetGAN) or ``None``.
        dropout: dropout after each hidden norm.
        ignore_index: label ignored by the segmentation loss.
        depth_loss: ``'l1'`` or ``'mse'``.
        heatmap_sigma: std (pixels, output grid) of the keypoint target Gaussians.
        keypoint_decode: ``'argmax'`` (argmax + quarter-pixel refinement) or ``'centroid'``
            (half-maximum centroid, a soft-argmax restricted to the peak);
            see :func:`~mmdsgan.tasks.keypoints.decode_keypoints`.
        vote: segmentation label of the ensemble: ``'majority'`` (vote of the members' argmax,
            ties to the smaller id; DatasetGAN) or ``'mean'`` (argmax of the mean probability).
        top_ratio: per-image score = mean of this top fraction of the pixel uncertainties.
        chunk_pixels: output pixels (over the whole batch) per band when labeling images.
        loss_weight: factor on the loss.
        init_cfg: MMEngine init config (the MLP initialises itself N(0, 0.02), biases 0).

    Shapes: ``forward`` (M, P, C) -> (M, P, K); ``forward_image`` feature maps
    [(N, C_l, H_l, W_l), ...] -> (N, M, K, H, W); ``predict`` -> see its docstring.
    """

    def __init__(self, in_channels: int | Sequence[int], num_classes: int = 1,
                 task: str = 'seg', num_members: int = 10,
                 hidden_dims: Sequence[int] | None = None, norm: str | None = 'bn',
                 dropout: float = 0.0, ignore_index: int = 255, depth_loss: str = 'l1',
                 heatmap_sigma: float = 2.0, keypoint_decode: str = 'argmax',
                 vote: str = 'majority', top_ratio: float = 0.1, chunk_pixels: int = 16384,
                 loss_weight: float = 1.0, init_cfg: dict | None = None) -> None:
        super().__init__(init_cfg)
        _check_choice('task', task, task_names())
        _check_choice('vote', vote, ('majority', 'mean'))
        _check_choice('depth_loss', depth_loss, ('l1', 'mse'))
        _check_choice('keypoint_decode', keypoint_decode, ('argmax', 'centroid'))
        if chunk_pixels < 1:
            raise ValueError(f'InterpreterEnsembleHead: chunk_pixels must be >= 1, '
                             f'got {chunk_pixels}')
        self.in_channels = (in_channels if isinstance(in_channels, int)
                            else int(sum(in_channels)))
        self.task = task
        self.label_task = get_task(task)
        self.num_outputs = self.label_task.num_outputs(num_classes)
        self.num_members = num_members
        self.ignore_index = ignore_index
        self.depth_loss = depth_loss
        self.heatmap_sigma = heatmap_sigma
        self.keypoint_decode = keypoint_decode
        self.vote = vote
        self.top_ratio = top_ratio
        self.chunk_pixels = chunk_pixels
        self.loss_weight = loss_weight
        self.mlp = EnsembleMLP(self.in_channels, self.num_outputs, num_members, hidden_dims,
                               norm, dropout)

    # ---------------------------------------------------------------- training path (pixels)
    def forward(self, hypercolumns: torch.Tensor) -> torch.Tensor:
        """(M, P, C) hypercolumns, one pixel sample per member -> (M, P, K) outputs."""
        return self.mlp(hypercolumns)

    def loss(self, hypercolumns: torch.Tensor, targets: torch.Tensor,
             valid: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
        """Loss of every member on its own pixels, averaged over the members.

        Each member's loss is the mean over its valid pixels, so its gradient is the one it
        would get if trained alone (scaled by 1/M, which Adam cancels).

        Args:
            hypercolumns: (M, P, C).
            targets: seg (M, P) long class ids; depth (M, P) float (<= 0: invalid);
                keypoints (M, P, K) float heatmap values.
            valid: keypoints only, (M, P, K) bool: which targets are known.

        Returns:
            ``{'loss_<task>': scalar}``.
        """
        out = self(hypercolumns)  # (M, P, K)
        per_pixel, mask = self.label_task.pixel_loss(out, targets, valid, self)
        per_pixel = torch.where(mask, per_pixel, torch.zeros_like(per_pixel))
        count = mask.flatten(1).sum(1).clamp(min=1)  # (M,)
        per_member = per_pixel.flatten(1).sum(1) / count  # (M,)
        return {f'loss_{self.task}': self.loss_weight * per_member.mean()}

    # ------------------------------------------------------------ labeling path (full images)
    def iter_bands(self, feats: Sequence[torch.Tensor], out_size: tuple[int, int]
                   ) -> Iterator[tuple[int, int, torch.Tensor]]:
        """Member outputs over bands of output rows.

        Args:
            feats: feature maps [(N, C_l, H_l, W_l), ...] at native resolution, channels summing
                to C in hypercolumn order.
            out_size: (H, W) of the output grid.

        Yields:
            ``(row_start, row_stop, outputs)`` with outputs (N, M, K, rows, W).
        """
        channels = [f.shape[1] for f in feats]
        if sum(channels) != self.in_channels:
            raise ValueError(f'InterpreterEnsembleHead: feature maps have {sum(channels)} '
                             f'channels ({channels}), the head was built for '
                             f'{self.in_channels}: set in_channels to the backbone\'s '
                             f'feature_channels')
        height, width = out_size
        n = feats[0].shape[0]
        members, hidden = self.num_members, self.mlp.hidden_dims[0]
        first = self.mlp.first
        # Each map's slice of the first layer as a per-pixel projection (M*H1, C_l); maps of one
        # resolution are projected together and resampled once.
        weights = [w.permute(0, 2, 1).reshape(members * hidden, c)
                   for w, c in zip(first.weight.split(channels, dim=1), channels)]
        groups = _group_by_size(feats, weights)  # [(maps (N, C_g, H_g, W_g), weight), ...]
        bias = first.bias.reshape(1, members * hidden, 1, 1)
        row_taps = [linear_taps(f.shape[-2], height, f.device, f.dtype) for f, _ in groups]
        band_rows = max(1, self.chunk_pixels // (n * width))
        # Projection and resampling commute. Maps narrower than the first layer (M*H1) are
        # cheaper to resample first and project once, concatenated, at the output size; the
        # rest are projected at their native resolution, then resampled. The narrow set is
        # capped at M*H1 channels, so no band holds more channels than the first layer's.
        narrow = _narrow_groups([f.shape[1] for f, _ in groups], members * hidden)
        narrow_weight = (torch.cat([groups[i][1] for i in narrow], 1) if narrow else None)
        for start in range(0, height, band_rows):
            stop = min(start + band_rows, height)
            hidden_in = bias.expand(n, -1, stop - start, width).clone()  # (N, M*H1, R, W)
            resampled = []
            for i, ((feat, weight), rows) in enumerate(zip(groups, row_taps)):
                band = rows.band(start, stop)
                lo, hi = band.source_range()
                rows_in = feat[:, :, lo:hi]  # (N, C_g, h, W_g)
                if i in narrow:
                    resampled.append(_resample_band(rows_in, band.shifted(lo), width))
                    continue
                # A 1x1 convolution as a GEMM (no per-shape kernel set-up, unlike oneDNN's).
                projected = torch.matmul(weight, rows_in.flatten(2)).view(
                    n, -1, hi - lo, feat.shape[-1])  # (N, M*H1, h, W_g)
                hidden_in += _resample_band(projected, band.shifted(lo), width)
            if resampled:
                maps = torch.cat(resampled, 1).flatten(2)  # (N, C_narrow, R*W)
                hidden_in += torch.matmul(narrow_weight, maps).view_as(hidden_in)
            pixels = (hidden_in.view(n, members, hidden, -1)
                      .permute(1, 0, 3, 2).reshape(members, -1, hidden))  # (M, N*R*W, H1)
            out = self.mlp.forward_hidden(pixels)  # (M, N*R*W, K)
            out = out.view(members, n, stop - start, width, -1).permute(1, 0, 4, 2, 3)
            yield start, stop, out  # (N, M, K, R, W)

    def forward_image(self, feats: Sequence[torch.Tensor],
                      out_size: tuple[int, int]) -> torch.Tensor:
        """Every member's output on full images, (N, M, K, H, W); holds all of it in memory."""
        return torch.cat([out for _, _, out in self.iter_bands(feats, out_size)], dim=3)

    @torch.no_grad()
    def predict(self, feats: Sequence[torch.Tensor],
                out_size: tuple[int, int]) -> dict[str, torch.Tensor]:
        """Ensemble prediction and uncertainty on full images, reduced band by band.

        Returns a dict with

        * ``label``: seg (N, H, W) long (majority vote or argmax of mean probabilities);
          depth (N, H, W) member mean; keypoints (N, K, H, W) mean heatmaps;
        * ``probs`` (seg only): (N, K, H, W) mean member probabilities;
        * ``uncertainty``: (N, H, W): seg Jensen-Shannon divergence
          H(mean_m p_m) - mean_m H(p_m) (nats); depth the members' std (population);
          keypoints the members' heatmap std averaged over keypoints;
        * ``score``: (N,) mean of the top ``top_ratio`` pixel uncertainties;
        * ``keypoints`` (keypoints only): (N, K, 2) ``(x, y)`` decoded from the mean heatmaps.
        """
        height, width = out_size
        n, k = feats[0].shape[0], self.num_outputs
        ref = feats[0]
        result = self.label_task.new_prediction(ref, n, k, height, width)
        result['uncertainty'] = ref.new_empty(n, height, width)
        for start, stop, out in self.iter_bands(feats, out_size):  # (N, M, K, R, W)
            self.label_task.reduce_band(out, slice(start, stop), result, self)
        result['score'] = top_ratio_score(result['uncertainty'], self.top_ratio)
        return self.label_task.finish_prediction(result, self)


def _group_by_size(feats: Sequence[torch.Tensor], weights: Sequence[torch.Tensor]
                   ) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Concatenate consecutive maps of one spatial size and their projection weights: the
    projection is linear, so W @ cat(f1, f2) = W1 @ f1 + W2 @ f2 with W = cat(W1, W2)."""
    groups: list[tuple[list[torch.Tensor], list[torch.Tensor]]] = []
    for feat, weight in zip(feats, weights):
        if groups and groups[-1][0][0].shape[-2:] == feat.shape[-2:]:
            groups[-1][0].append(feat)
            groups[-1][1].append(weight)
        else:
            groups.append(([feat], [weight]))
    return [(torch.cat(fs, 1) if len(fs) > 1 else fs[0], torch.cat(ws, 1) if len(ws) > 1
             else ws[0]) for fs, ws in groups]


def _narrow_groups(channels: Sequence[int], width: int) -> list[int]:
    """Indices (ascending) of the groups to resample before projecting: chosen narrowest
    first, while their channels add up to at most ``width`` (the first layer's M*H1)."""
    chosen, total = set(), 0
    for i in sorted(range(len(channels)), key=lambda i: channels[i]):
        if total + channels[i] > width:
            break
        chosen.add(i)
        total += channels[i]
    return sorted(chosen)


def _resample_band(projected: torch.Tensor, rows: LinearTaps, width: int) -> torch.Tensor:
    """Bilinear resampling of the source rows of a band: (N, C, h, W_g) -> (N, C, R, W).

    Rows first, through the taps, while the band is still at its native width; then columns
    through their tap matrix, so only one pass over the full-width band is made.
    """
    band = resample_rows(projected, rows)  # (N, C, R, W_g)
    if band.shape[-1] != width:
        # Columns as a GEMM with the (W, W_g) tap matrix: equal to F.interpolate along W, and
        # ~5x faster on CPU, where upsample_bilinear2d is memory-bound on these wide bands.
        cols = linear_taps(band.shape[-1], width, band.device, band.dtype)
        band = torch.matmul(band, cols.matrix(band.shape[-1], band.dtype).t())  # (N, C, R, W)
    return band


def _check_choice(name: str, value, choices: Sequence) -> None:
    if value not in choices:
        raise ValueError(f'InterpreterEnsembleHead: {name} must be one of {list(choices)}, '
                         f'got {value!r}')
