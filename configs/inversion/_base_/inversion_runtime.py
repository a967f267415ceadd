# Runtime of encoder training for GAN inversion with the MMEngine Runner: iteration-based,
# constant-rate Adam, encoder-only checkpoints (the model keeps the generator out of them).
default_scope = 'mmseg'
custom_imports = dict(imports=['mmdsgan'], allow_failed_imports=False)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))
randomness = dict(seed=0)
log_level = 'INFO'
log_processor = dict(by_epoch=False)
load_from = None
resume = False

# pSp / ReStyle train with Ranger at 1e-4; Adam at the same rate is the plain equivalent.
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-4))
train_cfg = dict(type='IterBasedTrainLoop', max_iters=2000)
# Generator samples are unlimited: there is no held-out set to validate on by default.
val_cfg = None
val_dataloader = None
val_evaluator = None
test_cfg = None
test_dataloader = None
test_evaluator = None

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=500, max_keep_ckpts=2,
                    save_last=True),
    sampler_seed=dict(type='DistSamplerSeedHook'))
