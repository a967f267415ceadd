# Runtime of interpreter training (DatasetGAN/HandsOff pixel-classifier ensemble): the shared
# iteration-based runtime, head-only checkpoints, DatasetGAN's optimizer and early stop.
_base_ = ['../../_base_/iter_runtime_no_val.py']

# DatasetGAN: Adam, lr 1e-3, no schedule, no weight decay.
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3))
# DatasetGAN's early stop: no new best batch loss for `patience` iterations after a warm-up.
custom_hooks = [dict(type='LossPlateauStoppingHook', patience=50, min_iters=200)]
