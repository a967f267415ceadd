# The seeds' downstream network family (DeepLabV3-ResNet) on generated toy faces; a GPU config.
_base_ = [
    'mmseg::_base_/models/deeplabv3_r50-d8.py',
    './_base_/synth_toy_faces_64x64.py',
    'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_20k.py',
]
custom_imports = dict(imports=['mmdsgan'], allow_failed_imports=False)

crop_size = (64, 64)
norm_cfg = dict(type='BN', requires_grad=True)  # single GPU; SyncBN for multi-GPU runs
model = dict(
    data_preprocessor=dict(size=crop_size),
    pretrained=None,  # the seeds train from scratch; offline there is no ImageNet download
    backbone=dict(norm_cfg=norm_cfg),
    decode_head=dict(num_classes=7, norm_cfg=norm_cfg),
    auxiliary_head=dict(num_classes=7, norm_cfg=norm_cfg),
    test_cfg=dict(mode='whole'))
# The seeds: Adam 1e-3, batch 8, no schedule.
optim_wrapper = dict(_delete_=True, type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3))
param_scheduler = []
train_cfg = dict(max_iters=2000, val_interval=500)
train_dataloader = dict(batch_size=8)
default_hooks = dict(checkpoint=dict(interval=500, max_keep_ckpts=2, save_best='mIoU'))
