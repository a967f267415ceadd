"""A keypoint decode head for MMSeg's ``EncoderDecoder``: one Gaussian heatmap per keypoint."""
from __future__ import annotations

import torch
from mmseg.models.decode_heads import FCNHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from torch import Tensor

from mmdsgan.tasks.keypoints import decode_keypoints, gaussian_heatmaps, rescale_keypoints
from mmdsgan.utils.errors import ConfigError

__all__ = ['KeypointHeatmapHead']


@MODELS.register_module()
class KeypointHeatmapHead(FCNHead):
    """MMSeg's ``FCNHead`` regressing one heatmap per keypoint (use it in
    :class:`~mmdsgan.models.segmentors.KeypointEstimator`).

    Training: the (N, K, h, w) output is resized to the padded input (N, K, H, W) and compared
    by MSE with Gaussians ``exp(-d^2 / 2 sigma^2)`` (:func:`~mmdsgan.tasks.keypoints.
    gaussian_heatmaps`) around the samples' ``gt_keypoints`` (K, 3) ``(x, y, v)``, which are in
    pixels of ``ori_shape`` and are mapped to ``img_shape`` first; keypoints with ``v = 0``
    do not count. Decoding: :func:`~mmdsgan.tasks.keypoints.decode_keypoints` (argmax with a
    quarter-pixel refinement, or the centroid of the peak).

    Args:
        num_classes: K, the number of keypoints.
        sigma: Gaussian standard deviation in input pixels.
        decode: ``'argmax'`` or ``'centroid'``.
        loss_weight: factor of the MSE (``loss_heatmap``); the mean over pixels of a sparse
            target is small.
        **kwargs: :class:`mmseg.models.decode_heads.FCNHead` arguments (``in_channels``,
            ``channels``, ``in_index``, ``num_convs``, ``concat_input``, ``norm_cfg``, ...);
            ``loss_decode`` is not used.

    Shapes: ``forward`` -> (N, K, h, w) heatmaps at the feature resolution; ``predict`` ->
    (N, K, H, W) at the input size.
    """

    def __init__(self, num_classes: int, sigma: float = 2.0, decode: str = 'argmax',
                 loss_weight: float = 1.0, **kwargs) -> None:
        if num_classes < 1:
            raise ConfigError(f'KeypointHeatmapHead.num_classes (keypoints) must be >= 1, got '
                              f'{num_classes}')
        if decode not in ('argmax', 'centroid'):
            raise ConfigError(f"KeypointHeatmapHead.decode must be 'argmax' or 'centroid', got "
                              f'{decode!r}')
        if sigma <= 0:
            raise ConfigError(f'KeypointHeatmapHead.sigma must be > 0, got {sigma}')
        kwargs['loss_decode'] = []  # the MSE below; no MMSeg class loss is built
        # out_channels = K (also for K = 1 or 2: no binary-segmentation shortcut)
        super().__init__(num_classes=num_classes, out_channels=num_classes,
                         threshold=0.5 if num_classes == 1 else None, **kwargs)
        self.sigma = float(sigma)
        self.decode = decode
        self.loss_weight = float(loss_weight)

    def loss_by_feat(self, seg_logits: Tensor, batch_data_samples: list) -> dict:
        """``{'loss_heatmap': MSE}`` over the labeled keypoints' maps."""
        metas = [s.metainfo for s in batch_data_samples]
        # the padded input (SegDataPreProcessor sets pad_shape None when no map is padded)
        pad = tuple(metas[0].get('pad_shape') or metas[0]['img_shape'])[:2]
        heatmaps = resize(seg_logits, size=pad, mode='bilinear',
                          align_corners=self.align_corners)
        keypoints = torch.stack([
            rescale_keypoints(s.gt_keypoints.to(heatmaps), m['ori_shape'][:2],
                              m['img_shape'][:2])
            for s, m in zip(batch_data_samples, metas)])  # (N, K, 3) in input pixels
        targets, valid = gaussian_heatmaps(keypoints, pad, self.sigma)  # (N, K, H, W), (N, K)
        per_map = (heatmaps - targets).square().mean((2, 3))  # (N, K)
        mse = (per_map * valid).sum() / valid.sum().clamp(min=1)
        return dict(loss_heatmap=self.loss_weight * mse)

    def decode_keypoints(self, heatmaps: Tensor) -> Tensor:
        """(N, K, H, W) heatmaps -> (N, K, 2) ``(x, y)`` in their pixels."""
        return decode_keypoints(heatmaps, self.decode)
