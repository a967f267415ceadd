# Runtime for StyleGAN2 training with the MMEngine Runner: iteration-based loop, no validation,
# two Adam optimizers (generator, discriminator), EMA-generator export.
default_scope = 'mmseg'
custom_imports = dict(imports=['mmdsgan'], allow_failed_imports=False)

# Adam settings of StyleGAN2-ADA. The lazy regularisers run every k steps inside that step's
# update, so Adam is compensated with c = k / (k + 1): lr * c, betas ** c (beta1 = 0 stays 0).
g_reg_interval = 4    # path-length interval (model.pl_interval), also when PL is off (as ADA)
d_reg_interval = 16   # R1 interval (model.r1_interval)
base_lr = 0.0025
g_c = g_reg_interval / (g_reg_interval + 1)
d_c = d_reg_interval / (d_reg_interval + 1)
optim_wrapper = dict(
    # One OptimWrapper per network -> OptimWrapperDict; top-level keys other than the networks
    # (e.g. type='AmpOptimWrapper' set by tools/train.py --amp) apply to both.
    constructor='GANOptimWrapperConstructor',
    generator=dict(optimizer=dict(type='Adam', lr=base_lr * g_c, betas=(0.0, 0.99 ** g_c),
                                  eps=1e-8)),
    discriminator=dict(optimizer=dict(type='Adam', lr=base_lr * d_c, betas=(0.0, 0.99 ** d_c),
                                      eps=1e-8)))

train_cfg = dict(type='IterBasedTrainLoop', max_iters=20000)
val_cfg = None   # no GAN metric (FID) here: look at the sample grids of GeneratorExportHook
test_cfg = None
param_scheduler = None  # StyleGAN2 uses a constant learning rate

# Separate DDP wrappers for G.mapping, G.synthesis and D (used only when launched distributed).
model_wrapper_cfg = dict(type='GANDistributedDataParallel')

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50, log_metric_by_epoch=False),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # The full training state (G, D, G_ema, both optimizers) for --resume.
    checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=2000, max_keep_ckpts=2),
    sampler_seed=dict(type='DistSamplerSeedHook'),
)
custom_hooks = [
    # generator_ema_iter_<n>.pth / generator_ema_latest.pth (mmdsgan generator format) and
    # samples_iter_<n>.png, readable by load_generator and the rest of mmdsgan.
    dict(type='GeneratorExportHook', interval=2000, num_samples=16),
]

env_cfg = dict(
    cudnn_benchmark=True,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))
randomness = dict(seed=0)
log_processor = dict(by_epoch=False, window_size=50)
log_level = 'INFO'
vis_backends = [dict(type='LocalVisBackend')]
visualizer = dict(type='Visualizer', vis_backends=vis_backends, name='visualizer')
load_from = None
resume = False
