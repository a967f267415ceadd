# Images only (no label maps) of the built-in toy domain, for training a GAN.
# Write them with: python tools/make_toy_data.py data/toy_faces_gan --num 5000 --split train \
#   --no-depth --no-keypoints
# Any folder of same-size images works the same way: set data_root, data_prefix.img_path and
# img_suffix (e.g. '.jpg'); add a Resize to the pipeline if the images are not 64x64.
dataset_type = 'ToyFacesDataset'
data_root = 'data/toy_faces_gan'

train_pipeline = [
    dict(type='LoadImageFromFile'),
    # x-flips double the data for a left-right symmetric domain (StyleGAN2-ADA's --mirror=1).
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),  # uint8 BGR (3, H, W); the model's preprocessor scales to [-1, 1]
]

train_dataloader = dict(
    batch_size=16,
    num_workers=2,
    persistent_workers=True,
    # Infinite sampling: a GAN is trained for a number of images (kimg), not epochs.
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        # No seg_map_path: label maps are not needed (and not loaded) for GAN training.
        data_prefix=dict(img_path='img_dir/train'),
        pipeline=train_pipeline))
