# The small fast downstream model for CPU runs: MMSeg's UNet-S5 (full-resolution output, fine
# for 5-pixel eyes at 64x64) at a quarter of its width, with an FCN head; trained from scratch.
_base_ = [
    'mmseg::_base_/models/fcn_unet_s5-d16.py',
    '../../_base_/datasets/toy_faces_64x64.py',
    'mmseg::_base_/default_runtime.py',
]
custom_imports = dict(imports=['mmdsgan'], allow_failed_imports=False)

crop_size = (64, 64)
num_classes = 7  # ToyFacesDataset classes
norm_cfg = dict(type='BN', requires_grad=True)  # runs on one process too; no SyncBN needed
model = dict(
    data_preprocessor=dict(size=crop_size),
    backbone=dict(base_channels=16, norm_cfg=norm_cfg),
    decode_head=dict(in_channels=16, channels=16, num_classes=num_classes, norm_cfg=norm_cfg),
    auxiliary_head=dict(in_channels=32, channels=16, num_classes=num_classes,
                        norm_cfg=norm_cfg),
    # the whole 64x64 image at once, not the base's 256-pixel sliding window
    test_cfg=dict(mode='whole'))

# Adam converges in few iterations from scratch; no schedule tuning needed for a baseline.
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='AdamW', lr=2e-3,
                                                         weight_decay=1e-4))
max_iters = 1000
param_scheduler = [dict(type='PolyLR', eta_min=1e-5, power=0.9, begin=0, end=max_iters,
                        by_epoch=False)]
train_cfg = dict(type='IterBasedTrainLoop', max_iters=max_iters, val_interval=max_iters)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
train_dataloader = dict(batch_size=16)
default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=max_iters,
                    max_keep_ckpts=1),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='SegVisualizationHook'))
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend='nccl'))
