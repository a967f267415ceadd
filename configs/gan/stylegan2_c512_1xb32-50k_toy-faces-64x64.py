# StyleGAN2 for the built-in toy domain (64x64) on one GPU: StyleGAN2-ADA's 'auto' settings for
# 64 px (channel_base 16384 -> 256 channels at 64 px, 512 below; w of 512; 2 mapping layers),
# 50k iterations x 32 images = 1600 kimg.
# Data: python tools/make_toy_data.py data/toy_faces_gan --num 20000 --split train \
#         --no-depth --no-keypoints
# Train: python tools/train.py configs/gan/stylegan2_c512_1xb32-50k_toy-faces-64x64.py [--amp]
# 4 GPUs (4 x 32 images per step; halve max_iters for the same kimg):
#   bash tools/dist_train.sh configs/gan/stylegan2_c512_1xb32-50k_toy-faces-64x64.py 4
_base_ = [
    './_base_/stylegan2_runtime.py',
    './_base_/datasets/toy_faces_images_64x64.py',
]

batch_size = 32  # per GPU
resolution = 64
model = dict(
    type='StyleGAN2GAN',
    generator=dict(
        z_dim=512, c_dim=0, w_dim=512, img_resolution=resolution,
        mapping_kwargs=dict(num_layers=2),
        # conv_clamp=256 as StyleGAN2-ADA: keeps activations in fp16 range with --amp.
        synthesis_kwargs=dict(channel_base=16384, channel_max=512, conv_clamp=256)),
    discriminator=dict(type='StyleGAN2Discriminator', channel_base=16384, channel_max=512,
                       conv_clamp=256, mbstd_group_size=4),
    augment=None,  # unlimited toy data; DiffAugment for small real datasets (see the docs)
    r1_gamma=0.0002 * resolution ** 2 / batch_size,  # ADA heuristic: 0.0256
    r1_interval={{_base_.d_reg_interval}},
    pl_weight=2.0,  # path-length regularisation as StyleGAN2 (smoother latent space)
    pl_interval={{_base_.g_reg_interval}},
    style_mixing_prob=0.9,
    ema_kimg=batch_size * 10 / 32,  # ADA heuristic: 10 kimg half-life
    ema_rampup=0.05)

train_dataloader = dict(batch_size=batch_size, num_workers=4)
train_cfg = dict(max_iters=50000)
default_hooks = dict(checkpoint=dict(interval=5000, max_keep_ckpts=2))
custom_hooks = [dict(type='GeneratorExportHook', interval=5000, num_samples=64)]
