# The seeds' downstream schedule at full size: Adam 1e-3, no learning-rate schedule, batch 8,
# 20 epochs over 10,000 generated images = 25,000 iterations; validation (best checkpoint kept)
# every 2,500.
_base_ = ['./adam_2k_seeds.py']

train_cfg = dict(type='IterBasedTrainLoop', max_iters=25000, val_interval=2500)
default_hooks = dict(checkpoint=dict(interval=2500))
