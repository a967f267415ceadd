# HandsOff stage 1 at real resolution: a ReStyle encoder trained on the generator's own samples.
# The leaves name the generator (a configs/interpreter/_base_/generators/ base).
_base_ = ['./inversion_runtime.py']

model = dict(
    type='GeneratorInversionModel',
    generator_checkpoint=None,  # the leaf's generator
    data_preprocessor=dict(type='BaseDataPreprocessor'),  # seeds in, nothing to normalise
    # ResNet18-like, the generator's resolution -> 4 px, 32..512 channels (HandsOff: pSp's
    # IR-SE50 / e4e on 256 px inputs; ours sees the generator's full resolution).
    encoder=dict(type='InversionEncoder', base_channels=32, max_channels=512,
                 blocks_per_stage=2, hidden_dim=512),
    iterative=True,
    n_iters=5,  # HandsOff: 5 ReStyle passes
    latent_weight=1.0,  # the true w+ of generator samples is known: regress it directly
    mse_weight=1.0,
    lpips_weight=0.8,  # pSp / ReStyle's LPIPS weight
    # torchvision's VGG16 for LPIPS: downloaded once into $TORCH_HOME/hub/checkpoints/ (as
    # torchvision does) when online; offline put the file there, or give a local path here.
    lpips_backbone='https://download.pytorch.org/models/vgg16-397923af.pth',
    style_mixing_prob=0.9,  # real images are not truncated; mixing teaches per-layer ws
    truncation_psi_range=(0.7, 1.0))

train_dataloader = dict(
    batch_size=8,
    num_workers=0,  # items are seeds; sampling happens in the model on the device
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    collate_fn=dict(type='default_collate'),  # seeds -> one (N,) tensor
    dataset=dict(type='LatentSeedDataset', num_samples=1_000_000))
train_cfg = dict(type='IterBasedTrainLoop', max_iters=20000)
default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=2000))
