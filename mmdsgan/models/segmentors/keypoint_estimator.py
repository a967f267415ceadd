"""MMSeg's ``EncoderDecoder`` predicting keypoints from heatmaps."""
from __future__ import annotations

from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS

__all__ = ['KeypointEstimator']


@MODELS.register_module()
class KeypointEstimator(EncoderDecoder):
    """MMSeg's ``EncoderDecoder`` with a heatmap decode head
    (:class:`~mmdsgan.models.heads.KeypointHeatmapHead`): training, inference and the
    resizing of the heatmaps to each image's ``ori_shape`` are ``EncoderDecoder``'s; this adds
    the keypoints decoded from them.

    Each predicted ``SegDataSample`` holds ``seg_logits`` (PixelData (K, H, W): the heatmaps at
    ``ori_shape``), ``pred_sem_seg`` (their argmax over keypoints, MMSeg's field, of no use
    here) and ``pred_keypoints`` (tensor (K, 2) ``(x, y)`` in pixels of the original image,
    pixel centres at integers), which ``PCKMetric`` scores.

    Args: as :class:`mmseg.models.segmentors.EncoderDecoder`.
    """

    def postprocess_result(self, seg_logits, data_samples=None):
        data_samples = super().postprocess_result(seg_logits, data_samples)
        for sample in data_samples:
            heatmaps = sample.seg_logits.data[None]  # (1, K, H, W) at ori_shape
            sample.pred_keypoints = self.decode_head.decode_keypoints(heatmaps)[0]
        return data_samples
