# Runtime of encoder training for GAN inversion: the shared iteration-based runtime,
# encoder-only checkpoints (the model keeps the generator out of them).
_base_ = ['../../_base_/iter_runtime_no_val.py']

# pSp / ReStyle train with Ranger at 1e-4; Adam at the same rate is the plain equivalent.
optim_wrapper = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-4))
