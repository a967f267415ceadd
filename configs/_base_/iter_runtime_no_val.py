# Runtime shared by the interpreter and the inversion encoder: the MMEngine Runner,
# iteration-based, no validation or test loop by default (DatasetGAN has no labeled hold-out;
# generator samples are unlimited), iteration checkpoints that the models keep the generator out
# of. Leaves set the optimizer.
default_scope = 'mmseg'
# Registers mmdsgan's models, datasets, transforms and hooks (and safe checkpoint loading).
custom_imports = dict(imports=['mmdsgan'], allow_failed_imports=False)

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))
randomness = dict(seed=0)  # pixel samples, latent samples and inits are reproducible
log_level = 'INFO'
log_processor = dict(by_epoch=False)
load_from = None
resume = False

train_cfg = dict(type='IterBasedTrainLoop', max_iters=2000)
# A leaf with a labeled hold-out adds val_dataloader / val_evaluator / val_cfg=dict(type='ValLoop')
# (and may use MMEngine's EarlyStoppingHook); tools/test.py needs test_dataloader + evaluator.
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
