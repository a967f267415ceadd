# Runtime of interpreter training (DatasetGAN/HandsOff pixel-classifier ensemble) with the
# MMEngine Runner: iteration-based, constant-rate Adam, head-only checkpoints.
default_scope = 'mmseg'
# Registers mmdsgan's models, datasets, transforms and hooks (and safe checkpoint loading).
custom_imports = dict(imports=['mmdsgan'], allow_failed_imports=False)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))
randomness = dict(seed=0)  # pixel samples and member inits are reproducible
log_level = 'INFO'
log_processor = dict(by_epoch=False)
load_from = None
resume = False

# DatasetGAN: Adam, lr 1e-3, no schedule, no weight decay.
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3))
train_cfg = dict(type='IterBasedTrainLoop', max_iters=2000)
# No validation by default: DatasetGAN has no labeled hold-out. A leaf config that has one adds
# val_dataloader / val_evaluator=dict(type='IoUMetric') / val_cfg=dict(type='ValLoop') and may
# then use MMEngine's EarlyStoppingHook(monitor='mIoU') instead of the loss-plateau rule.
val_cfg = None
val_dataloader = None
val_evaluator = None
test_cfg = None  # likewise: tools/test.py needs a leaf with test_dataloader + test_evaluator
test_dataloader = None
test_evaluator = None

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # by_epoch=False: iteration-based; the model's state-dict hook keeps the generator out.
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=500, max_keep_ckpts=2,
                    save_last=True),
    sampler_seed=dict(type='DistSamplerSeedHook'))
# DatasetGAN's early stop: no new best batch loss for `patience` iterations after a warm-up.
custom_hooks = [dict(type='LossPlateauStoppingHook', patience=50, min_iters=200)]
