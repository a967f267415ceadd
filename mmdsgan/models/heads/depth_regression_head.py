"""A depth decode head for MMSeg's ``DepthEstimator``: an FCN head with one positive output."""
from __future__ import annotations

from typing import Sequence

import torch
from mmseg.models.decode_heads import FCNHead
from mmseg.models.utils import resize
from mmseg.registry import MODELS
from torch import Tensor, nn

from mmdsgan.utils.errors import ConfigError

__all__ = ['DepthRegressionHead']


@MODELS.register_module()
class DepthRegressionHead(FCNHead):
    """MMSeg's ``FCNHead`` regressing depth, for ``DepthEstimator`` (MMSeg's depth segmentor).

    The last 1x1 conv gives one channel ``r``; the depth is ``exp(r)`` (``activation='exp'``:
    the head regresses log-depth, always positive, as ``SiLogLoss`` needs) or ``relu(r)``. The
    loss compares it with the samples' ``gt_depth_map`` (pixels with depth 0 are unknown: MMSeg's
    ``SiLogLoss`` skips them) after resizing the prediction to the label's size.

    MMSeg 1.2.2 has no generic depth head (``VPDDepthHead`` needs VPD's four-level features).

    Args:
        activation: ``'exp'`` or ``'relu'``.
        num_classes: must be 1 (kept so that configs may state it).
        loss_decode: MMSeg loss config(s) called as ``loss(pred, gt)``, default
            ``SiLogLoss``.
        **kwargs: :class:`mmseg.models.decode_heads.FCNHead` arguments (``in_channels``,
            ``channels``, ``in_index``, ``num_convs``, ``concat_input``, ``norm_cfg``, ...).

    Shapes: features as the backbone gives them; ``forward`` -> (N, 1, h, w) depth at the
    feature resolution; ``predict`` -> (N, 1, H, W) at the input size.
    """

    def __init__(self, activation: str = 'exp', num_classes: int = 1,
                 loss_decode: dict | Sequence[dict] = dict(type='SiLogLoss'),
                 **kwargs) -> None:
        if num_classes != 1 or kwargs.get('out_channels', 1) != 1:
            raise ConfigError(f'DepthRegressionHead: one output channel; got num_classes='
                              f'{num_classes}, out_channels={kwargs.get("out_channels")} '
                              f'(drop them from decode_head)')
        if activation not in ('exp', 'relu'):
            raise ConfigError(f"DepthRegressionHead.activation must be 'exp' or 'relu', "
                              f'got {activation!r}')
        kwargs.pop('out_channels', None)
        # threshold: only there to silence BaseDecodeHead's binary-segmentation warning
        super().__init__(num_classes=1, out_channels=1, threshold=0.5, loss_decode=loss_decode,
                         **kwargs)
        self.activation = activation

    def cls_seg(self, feat: Tensor) -> Tensor:
        raw = super().cls_seg(feat)
        return torch.exp(raw.clamp(max=20.0)) if self.activation == 'exp' else torch.relu(raw)

    def loss_by_feat(self, seg_logits: Tensor, batch_data_samples: list) -> dict:
        """``{loss_name: value}`` of every ``loss_decode`` on (N, 1, H, W) depth."""
        gt = torch.stack([s.gt_depth_map.data for s in batch_data_samples]).to(seg_logits)
        pred = resize(seg_logits, size=gt.shape[2:], mode='bilinear',
                      align_corners=self.align_corners)
        losses_decode = self.loss_decode if isinstance(self.loss_decode, nn.ModuleList) \
            else [self.loss_decode]
        losses: dict = {}
        for loss_decode in losses_decode:
            value = loss_decode(pred, gt)
            losses[loss_decode.loss_name] = losses.get(loss_decode.loss_name, 0) + value
        return losses
