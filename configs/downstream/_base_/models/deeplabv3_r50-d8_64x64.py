# The seeds' downstream network family (DeepLabV3-ResNet), for 64x64 toy faces, from scratch.
_base_ = ['mmseg::_base_/models/deeplabv3_r50-d8.py']

norm_cfg = dict(type='BN', requires_grad=True)  # single GPU; SyncBN for multi-GPU runs
model = dict(
    data_preprocessor=dict(size=(64, 64)),
    pretrained=None,  # the seeds train from scratch; offline there is no ImageNet download
    backbone=dict(norm_cfg=norm_cfg),
    decode_head=dict(num_classes=7, norm_cfg=norm_cfg),
    auxiliary_head=dict(num_classes=7, norm_cfg=norm_cfg),
    test_cfg=dict(mode='whole'))
