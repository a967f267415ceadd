# HandsOff stage 1 on the toy-faces generator: a ReStyle-style encoder trained on the generator's
# own samples. ResNet18-like: 4 stages x 2 residual blocks (64 -> 4 px), 32..256 channels.
#   python tools/train.py configs/inversion/encoder_r18-like_1xb16-2k_toy-faces-64x64.py
# then invert real images with configs/inversion/invert_restyle3-opt500_toy-faces-64x64.py.
_base_ = ['./_base_/inversion_runtime.py']

# The toy StyleGAN2 (64x64); re-loaded from here, checkpoints hold the encoder only.
generator_checkpoint = 'mmdsgan/checkpoints/toy_faces_64.pth'

model = dict(
    type='GeneratorInversionModel',
    generator_checkpoint=generator_checkpoint,
    data_preprocessor=dict(type='BaseDataPreprocessor'),  # seeds in, nothing to normalise
    encoder=dict(type='InversionEncoder', base_channels=32, max_channels=256,
                 blocks_per_stage=2, hidden_dim=512),
    # ReStyle: the encoder sees [image, current reconstruction] and refines 3 times (HandsOff
    # uses 5 at 512 px; 3 passes already converge on 64 px toys and train ~40 % faster).
    iterative=True,
    n_iters=3,
    latent_weight=1.0,  # we know the true w+ of generator samples: regress it directly
    mse_weight=1.0,
    # pSp weighs LPIPS 0.8; off here so the toy config trains offline without the VGG file.
    # Set lpips_weight=0.8 (and lpips_backbone=<vgg16 file>) for real domains.
    lpips_weight=0.0,
    lpips_backbone=None,
    # Real images are not truncated; mixing teaches per-layer ws (W+), as e4e/ReStyle train.
    style_mixing_prob=0.9,
    truncation_psi_range=(0.7, 1.0))

train_dataloader = dict(
    batch_size=16,
    num_workers=0,  # items are seeds; sampling happens in the model on the device
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),  # seeds -> one (N,) tensor
    dataset=dict(type='LatentSeedDataset', num_samples=100_000))

train_cfg = dict(type='IterBasedTrainLoop', max_iters=2000)
default_hooks = dict(logger=dict(interval=20))
env_cfg = dict(dist_cfg=dict(backend='gloo'))  # CPU-friendly default for the toy setup
