# StyleGAN2 for the toy domain that a CPU trains in about an hour: the c64 config with half the
# channels (32 at every resolution: ~4x cheaper convolutions) and 6000 iterations = 96 kimg.
# Measured: 0.55 CPU-seconds per iteration (batch 16, one thread), ~0.6 s with R1 amortised.
# Train: OMP_NUM_THREADS=1 python tools/train.py \
#          configs/gan/stylegan2_c32_1xb16-6k_toy-faces-64x64.py
_base_ = ['./stylegan2_c64_1xb16-20k_toy-faces-64x64.py']

model = dict(
    generator=dict(synthesis_kwargs=dict(channel_max=32)),
    discriminator=dict(channel_max=32))
train_cfg = dict(max_iters=6000)
default_hooks = dict(checkpoint=dict(interval=500))
custom_hooks = [dict(type='GeneratorExportHook', interval=500, num_samples=16)]
