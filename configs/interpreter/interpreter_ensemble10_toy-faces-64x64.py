# DatasetGAN interpreter on the toy-faces generator: 10 MLPs on 64x64 hypercolumns.
# 1. python tools/sample_for_annotation.py THIS_CONFIG --num 16 --out data/toy_faces_labeled
# 2. draw data/toy_faces_labeled/masks/<id>.png, then
#    python tools/import_annotations.py data/toy_faces_labeled
# 3. python tools/train.py THIS_CONFIG
_base_ = ['./_base_/interpreter_runtime.py']

# The toy StyleGAN2 (64x64); the generator is re-loaded from here, checkpoints hold the head.
generator_checkpoint = 'mmdsgan/checkpoints/toy_faces_64.pth'
data_root = 'data/toy_faces_labeled'
classes = ['background', 'skin', 'hair', 'eye', 'brow', 'mouth', 'nose']
# The toy domain's palette (mmdsgan.datasets.toy_faces.TOY_FACE_PALETTE).
palette = [[0, 0, 0], [204, 0, 0], [0, 0, 204], [51, 255, 255], [204, 0, 204], [255, 255, 0],
           [76, 153, 0]]
# Read by tools/sample_for_annotation.py: what the annotator draws.
annotation = dict(classes=classes, palette=palette, task='seg')

model = dict(
    type='DatasetGANInterpreter',
    data_preprocessor=dict(type='BaseDataPreprocessor'),  # latents need no normalisation
    backbone=dict(
        type='StyleGAN2FeatureBackbone',
        checkpoint=generator_checkpoint,
        # Sampling for annotation truncates towards w_avg (DatasetGAN/HandsOff: 0.7); the stored
        # w+ latents are already truncated, so the psi has no effect on training from them.
        truncation_psi=0.7,
        noise_mode='const'),  # the stored noise: features match the annotated image
    head=dict(
        type='InterpreterEnsembleHead',
        num_classes=len(classes),
        task='seg',
        num_members=10,
        # 64x64 px: bands of 4 images x 64 rows: labeling never builds a bigger tensor.
        chunk_pixels=16384),
    # 64x64 = 4096 pixels per image; each member sees a fresh quarter of them per iteration.
    num_pixels=1024,
    class_balanced=False)

train_pipeline = [
    dict(type='LoadLatent'),
    # DatasetGAN relabels a class with fewer than 30 pixels in an image as background; that is
    # at 512x512. At 64x64 it would erase eyes, brows, mouth and nose (5-25 pixels each), and
    # 30 px scaled to 64x64 is under one pixel: keep every labeled pixel.
    dict(type='LoadLabel', min_class_pixels=0),
    dict(type='PackLatentInputs'),
]
train_dataloader = dict(
    batch_size=8,  # 8 images x 1024 pixels = 8192 pixels per member per step (DatasetGAN: 64)
    num_workers=0,  # a few KB of latents and PNGs: workers would cost more than they save
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type='LabeledLatentDataset', data_root=data_root, pipeline=train_pipeline))

# 16 toy images: a few hundred big-batch steps fit them; the plateau rule usually stops sooner.
train_cfg = dict(type='IterBasedTrainLoop', max_iters=600)
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=200))
custom_hooks = [dict(type='LossPlateauStoppingHook', patience=50, min_iters=150)]
env_cfg = dict(dist_cfg=dict(backend='gloo'))  # CPU-friendly default for the toy setup
