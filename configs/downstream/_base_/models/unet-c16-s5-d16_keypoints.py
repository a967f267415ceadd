# The seg leaves' small UNet-S5 (16 channels, full-resolution output) as a heatmap keypoint
# model: MMSeg's EncoderDecoder (KeypointEstimator adds the decoded keypoints) with one
# Gaussian heatmap per keypoint (KeypointHeatmapHead, MSE, argmax + quarter-pixel decode).
_base_ = ['mmseg::_base_/models/fcn_unet_s5-d16.py']

num_keypoints = 5  # the toy faces' keypoints
norm_cfg = dict(type='BN', requires_grad=True)  # runs on one process too; no SyncBN needed
model = dict(
    type='KeypointEstimator',
    data_preprocessor=dict(size=(64, 64)),
    backbone=dict(base_channels=16, norm_cfg=norm_cfg),
    decode_head=dict(
        _delete_=True,  # a heatmap head: none of the base's class settings apply
        type='KeypointHeatmapHead', num_classes=num_keypoints, in_channels=16, in_index=4,
        channels=16, num_convs=1, concat_input=False, dropout_ratio=0.0, norm_cfg=norm_cfg,
        align_corners=False,
        sigma=2.0,  # pixels at 64x64, as the interpreter's heatmap_sigma
        loss_weight=100.0),  # the mean MSE of a sparse map is ~1e-3: readable logs
    auxiliary_head=None,  # the base's is a class head
    test_cfg=dict(mode='whole'))
