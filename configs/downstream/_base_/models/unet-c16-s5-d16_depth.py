# The seg leaves' small UNet-S5 (16 channels, full-resolution output) as MMSeg's DepthEstimator:
# a one-channel log-depth head (exp keeps depth positive) trained with MMSeg's SiLogLoss.
_base_ = ['mmseg::_base_/models/fcn_unet_s5-d16.py']

norm_cfg = dict(type='BN', requires_grad=True)  # runs on one process too; no SyncBN needed
model = dict(
    type='DepthEstimator',
    data_preprocessor=dict(size=(64, 64)),
    backbone=dict(base_channels=16, norm_cfg=norm_cfg),
    decode_head=dict(
        _delete_=True,  # a regression head: none of the base's class settings apply
        type='DepthRegressionHead', in_channels=16, in_index=4, channels=16, num_convs=1,
        concat_input=False,
        dropout_ratio=0.0,  # dropped channels before the last conv would jitter the depth
        norm_cfg=norm_cfg, align_corners=False, activation='exp',
        loss_decode=dict(type='SiLogLoss')),
    auxiliary_head=None,  # the base's is a class head
    # the whole 64x64 image at once, not the base's 256-pixel sliding window
    test_cfg=dict(mode='whole'))
