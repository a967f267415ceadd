# The small fast downstream model for CPU runs: MMSeg's UNet-S5 (full-resolution output, fine
# for 5-pixel eyes at 64x64) at a quarter of its width, with an FCN head; trained from scratch.
_base_ = ['mmseg::_base_/models/fcn_unet_s5-d16.py']

num_classes = 7  # the toy faces' classes
norm_cfg = dict(type='BN', requires_grad=True)  # runs on one process too; no SyncBN needed
# Eyes, brows, mouth and nose cover 0.3-0.8 % of a 64x64 face each (background 70 %): with plain
# cross-entropy neither a synthetic-data model nor a 16-label one learned them in 600 iterations
# (IoU 0). Weights ~ 1 / sqrt(pixel frequency on rendered faces), background = 1.
class_weight = [1.0, 2.0, 2.6, 9.2, 13.2, 13.2, 15.0]
loss_decode = dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0,
                   class_weight=class_weight)
model = dict(
    data_preprocessor=dict(size=(64, 64)),
    backbone=dict(base_channels=16, norm_cfg=norm_cfg),
    decode_head=dict(in_channels=16, channels=16, num_classes=num_classes, norm_cfg=norm_cfg,
                     loss_decode=loss_decode),
    auxiliary_head=dict(in_channels=32, channels=16, num_classes=num_classes,
                        norm_cfg=norm_cfg, loss_decode=dict(loss_decode, loss_weight=0.4)),
    # the whole 64x64 image at once, not the base's 256-pixel sliding window
    test_cfg=dict(mode='whole'))
