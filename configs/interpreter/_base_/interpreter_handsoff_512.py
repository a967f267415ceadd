# HandsOff's interpreter at 512 px (faces, cars): 10 pixel MLPs on the generator's hypercolumns
# with HandsOff's feature taps, trained on real images inverted into the generator. The leaves
# name the generator (a ./generators/ base), the classes and the labeled-latent folder.
_base_ = ['./interpreter_runtime.py']

model = dict(
    type='DatasetGANInterpreter',
    data_preprocessor=dict(type='BaseDataPreprocessor'),  # latents need no normalisation
    backbone=dict(
        type='StyleGAN2FeatureBackbone',
        checkpoint=None,  # the leaf's generator
        truncation_psi=0.7,  # HandsOff generates at psi 0.7 (stored w+ are used as inverted)
        noise_mode='const',  # the stored noise, as HandsOff inverts and labels with it
        include_const=True),  # HandsOff's taps: the 4x4 const input + every styled conv
    head=dict(
        type='InterpreterEnsembleHead',
        task='seg',
        num_members=10,
        chunk_pixels=16384),  # labeling bands of 32 rows x 512: ~170 MB of hidden maps
    num_pixels=8192,  # per image and member per step: 8 x 8192 = 64k pixels (DatasetGAN: 64)
    class_balanced=False)  # DatasetGAN/HandsOff train on every pixel as it comes

train_pipeline = [
    dict(type='LoadLatent'),
    # DatasetGAN relabels classes under 30 pixels of a 512x512 image as background (noise).
    dict(type='LoadLabel', min_class_pixels=30),
    dict(type='PackLatentInputs'),
]
train_dataloader = dict(
    batch_size=8,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='LabeledLatentDataset', data_root=None, pipeline=train_pipeline))

default_hooks = dict(logger=dict(interval=50), checkpoint=dict(interval=500))
