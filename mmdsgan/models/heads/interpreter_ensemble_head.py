"""DatasetGAN's interpreter: an ensemble of per-pixel MLPs on generator hypercolumns.

Two paths share the same weights:

* training: hypercolumns of sampled pixels, (M, P, C), one pixel sample per member;
* labeling whole images: the first linear layer is applied to every group of feature maps of
  one size before or after resampling them bilinearly (``align_corners=False``) to the output
  size, whichever is cheaper, and summed, plus the bias (:mod:`.band_projection`). Resampling
  is linear with weights summing to 1 per output pixel, so this equals
  resample-concatenate-project. The rest of the MLP runs per pixel in channel layout, with the
  eval-mode BatchNorms folded into the next layer. The output is produced in bands of rows of at
  most ``chunk_pixels`` pixels, so no full-resolution tensor wider than M * H1 channels ever
  exists (and that one only for a band).
"""
from __future__ import annotations

from typing import Iterator, Sequence

import torch
from mmengine.model import BaseModule
from mmseg.registry import MODELS

from mmdsgan.tasks import get_task, task_names, top_ratio_score
from mmdsgan.utils.profiling import stage

from .band_projection import BandProjection, Buffers
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
        chunk_pixels: output pixels per band when labeling images (``predict`` labels one image
            at a time; ``iter_bands`` counts them over the batch it is given).
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
    def iter_bands(self, feats: Sequence[torch.Tensor], out_size: tuple[int, int],
                   region: Sequence[int] | None = None, buffers: Buffers | None = None
                   ) -> Iterator[tuple[int, int, torch.Tensor]]:
        """Member outputs over bands of output rows.

        Args:
            feats: feature maps [(N, C_l, H_l, W_l), ...] at native resolution, channels summing
                to C in hypercolumn order.
            out_size: (H, W) of the output grid the maps are resampled to.
            region: ``(top, left, height, width)``: only this window of the output grid (e.g.
                the 512x384 car inside a 512x512 LSUN-car frame); default all of it.

            buffers: scratch storage reused from band to band (and call to call); given, each
                yielded ``outputs`` is valid only until the next band is asked for.

        Yields:
            ``(row_start, row_stop, outputs)`` with outputs (N, M, K, rows, w), rows counted
            from the region's top, w its width.
        """
        channels = [f.shape[1] for f in feats]
        if sum(channels) != self.in_channels:
            raise ValueError(f'InterpreterEnsembleHead: feature maps have {sum(channels)} '
                             f'channels ({channels}), the head was built for '
                             f'{self.in_channels}: set in_channels to the backbone\'s '
                             f'feature_channels')
        top, left, height, width = _check_region(region, out_size)
        n = feats[0].shape[0]
        members, hidden = self.num_members, self.mlp.hidden_dims[0]
        first = self.mlp.first
        # The first layer as a per-pixel projection (M*H1, C), applied per feature map before
        # or after resampling, whichever is cheaper (see band_projection).
        projection = BandProjection(
            feats, first.weight.permute(0, 2, 1).reshape(members * hidden, -1),
            first.bias.reshape(-1), out_size, buffers)
        band_rows = max(1, self.chunk_pixels // (n * out_size[1]))
        for start, stop, hidden_in in projection.bands(band_rows, (top, top + height)):
            if width != out_size[1]:  # (N, M*H1, R, W) -> the region's columns
                hidden_in = hidden_in[..., left:left + width].contiguous()
            with stage('mlp'):
                out = self.mlp.forward_hidden_maps(hidden_in.view(n, members, hidden, -1),
                                                   buffers)
            yield (start - top, stop - top,
                   out.view(n, members, -1, stop - start, width))  # (N, M, K, R, w)

    def forward_image(self, feats: Sequence[torch.Tensor], out_size: tuple[int, int],
                      region: Sequence[int] | None = None) -> torch.Tensor:
        """Every member's output on full images (or their ``region``), (N, M, K, H, W); holds
        all of it in memory."""
        return torch.cat([out for _, _, out in self.iter_bands(feats, out_size, region)],
                         dim=3)

    @torch.no_grad()
    def predict(self, feats: Sequence[torch.Tensor], out_size: tuple[int, int],
                region: Sequence[int] | None = None) -> dict[str, torch.Tensor]:
        """Ensemble prediction and uncertainty on full images (or their ``region``, see
        :meth:`iter_bands`: then H, W below are the region's), reduced band by band.

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
        _, _, height, width = _check_region(region, out_size)
        n, k = feats[0].shape[0], self.num_outputs
        ref = feats[0]
        result = self.label_task.new_prediction(ref, n, k, height, width)
        result['uncertainty'] = ref.new_empty(n, height, width)
        # Image by image: a band of chunk_pixels then spans more rows of one image, so each
        # projected source row serves more output rows (measured ~10% faster at 512² on CPU).
        buffers = Buffers()  # scratch shared by all bands of all images
        for i in range(n):
            views = {key: value[i:i + 1] for key, value in result.items()}
            for start, stop, out in self.iter_bands([f[i:i + 1] for f in feats], out_size,
                                                    region, buffers):  # (1, M, K, R, W)
                self.label_task.reduce_band(out, slice(start, stop), views, self)
        result['score'] = top_ratio_score(result['uncertainty'], self.top_ratio)
        return self.label_task.finish_prediction(result, self)


def _check_region(region: Sequence[int] | None, out_size: tuple[int, int]
                  ) -> tuple[int, int, int, int]:
    """``(top, left, height, width)`` of a region inside ``out_size`` (default: all of it)."""
    if region is None:
        return 0, 0, int(out_size[0]), int(out_size[1])
    top, left, height, width = (int(v) for v in region)
    if (top < 0 or left < 0 or height < 1 or width < 1 or top + height > out_size[0]
            or left + width > out_size[1]):
        raise ValueError(f'InterpreterEnsembleHead: region (top, left, height, width) = '
                         f'{tuple(region)} does not fit the {out_size[0]}x{out_size[1]} grid')
    return top, left, height, width


def _check_choice(name: str, value, choices: Sequence) -> None:
    if value not in choices:
        raise ValueError(f'InterpreterEnsembleHead: {name} must be one of {list(choices)}, '
                         f'got {value!r}')
