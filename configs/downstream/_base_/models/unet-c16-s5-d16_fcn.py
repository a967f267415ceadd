# The small fast downstream model for CPU runs: MMSeg's UNet-S5 (full-resolution output, fine
# for 5-pixel eyes at 64x64) at a quarter of its width, with an FCN head; trained from scratch.
_base_ = ['mmseg::_base_/models/fcn_unet_s5-d16.py']

num_classes = 7  # the toy faces' classes
norm_cfg = dict(type='BN', requires_grad=True)  # runs on one process too; no SyncBN needed
model = dict(
    data_preprocessor=dict(size=(64, 64)),
    backbone=dict(base_channels=16, norm_cfg=norm_cfg),
    decode_head=dict(in_channels=16, channels=16, num_classes=num_classes, norm_cfg=norm_cfg),
    auxiliary_head=dict(in_channels=32, channels=16, num_classes=num_classes,
                        norm_cfg=norm_cfg),
    # the whole 64x64 image at once, not the base's 256-pixel sliding window
    test_cfg=dict(mode='whole'))
