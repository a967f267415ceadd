# The seeds' downstream network family (DeepLabV3-ResNet) at 512x512, from scratch (DatasetGAN,
# HandsOff and EditGAN all train torchvision's deeplabv3_resnet101(pretrained=False)).
_base_ = ['mmseg::_base_/models/deeplabv3_r50-d8.py']

norm_cfg = dict(type='BN', requires_grad=True)  # single GPU; SyncBN for multi-GPU runs
# Plain cross-entropy, as the seeds. For frequency-balanced weights of a training set run
#   python tools/class_weights.py LEAF_CONFIG --out LEAF_CONFIG_WEIGHTED
# (ENet's 1 / ln(1.02 + f) of the training labels' pixel frequencies; the tool says why).
loss_decode = dict(type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0)
model = dict(
    # batches padded to 512x512 (the 384x512 car window too), labels padded with 255 (ignored)
    data_preprocessor=dict(size=(512, 512)),
    pretrained=None,  # from scratch, as the seeds; offline there is no ImageNet download
    backbone=dict(norm_cfg=norm_cfg),
    decode_head=dict(norm_cfg=norm_cfg, loss_decode=loss_decode),
    auxiliary_head=dict(norm_cfg=norm_cfg, loss_decode=dict(loss_decode, loss_weight=0.4)),
    test_cfg=dict(mode='whole'))
