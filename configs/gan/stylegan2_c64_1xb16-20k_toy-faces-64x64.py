# StyleGAN2 for the built-in toy domain (64x64 cartoon faces), sized for about an hour on a CPU.
# Data: python tools/make_toy_data.py data/toy_faces_gan --num 10000 --split train \
#         --no-depth --no-keypoints
# Train: python tools/train.py configs/gan/stylegan2_c64_1xb16-20k_toy-faces-64x64.py
# Output: work_dirs/<config>/generator_ema_latest.pth (load_generator), samples_iter_<n>.png.
_base_ = [
    './_base_/stylegan2_runtime.py',
    './_base_/datasets/toy_faces_images_64x64.py',
]

batch_size = 16
resolution = 64
model = dict(
    type='StyleGAN2GAN',
    generator=dict(
        # Narrow everywhere (64 channels at every resolution, w of 128): ~1.5 CPU-seconds per
        # iteration (batch 16, one thread). StyleGAN2-ADA's 64 px model has 256-512 channels
        # and w of 512 (see stylegan2_c512_1xb32-50k_toy-faces-64x64.py).
        z_dim=128, c_dim=0, w_dim=128, img_resolution=resolution,
        mapping_kwargs=dict(num_layers=2),  # ADA's choice below 1024 px: 2 layers, not 8
        synthesis_kwargs=dict(channel_base=16384, channel_max=64)),
    discriminator=dict(type='StyleGAN2Discriminator', channel_base=16384, channel_max=64,
                       mbstd_group_size=4),
    # The toy renderer gives unlimited data, so no augmentation. For a small image folder
    # (< ~10k images), a child config needs _delete_=True (a dict cannot merge into None):
    # model = dict(augment=dict(_delete_=True, type='DiffAugment', prob=0.3))
    augment=None,
    r1_gamma=0.0002 * resolution ** 2 / batch_size,  # ADA heuristic: 0.0512
    r1_interval={{_base_.d_reg_interval}},
    # Path-length regularisation off for CPU speed: a PL step costs ~45% more CPU time, ~11%
    # per iteration at pl_interval=4 (measured at 32 channels).
    pl_weight=0.0,
    pl_interval={{_base_.g_reg_interval}},
    style_mixing_prob=0.9,
    ema_kimg=batch_size * 10 / 32,  # ADA heuristic: 5 kimg half-life
    ema_rampup=0.05)

# 64x64 PNGs decode in the main process faster than a worker competes for the 2 cores.
train_dataloader = dict(batch_size=batch_size, num_workers=0, persistent_workers=False)
train_cfg = dict(max_iters=20000)  # 320 kimg
default_hooks = dict(
    logger=dict(interval=50),
    checkpoint=dict(interval=1000, max_keep_ckpts=2))
custom_hooks = [dict(type='GeneratorExportHook', interval=1000, num_samples=16)]
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo'))  # CPU-friendly
