# The built-in toy domain's real depth: rendered 64x64 faces with exact 16-bit depth PNGs
# (depth_dir/<split>/, value = depth * 1000, the depth_scale of the folder's metainfo.json).
# Write it with: python tools/make_toy_data.py data/toy_faces --num 16 --split train
#   (and --split val / --split test with other --start-seed values).
dataset_type = 'ToyFacesDepthDataset'
data_root = 'data/toy_faces'
crop_size = (64, 64)
# PNG value -> depth units; the datasets refuse a factor other than 1 / their depth_scale.
depth_rescale_factor = 1e-3

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthAnnotation', depth_rescale_factor=depth_rescale_factor),
    # a mirrored face with its mirrored depth is as valid a face: a free augmentation
    dict(type='RandomFlip', prob=0.5),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadDepthAnnotation', depth_rescale_factor=depth_rescale_factor),
    dict(type='PackSegInputs'),
]

train_dataloader = dict(
    batch_size=8,
    num_workers=0,  # 64x64 PNGs decode faster than worker start-up on 2 cores
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='val', pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='test', pipeline=test_pipeline))

# HandsOff's depth columns (mNMSE = the image mean of nmse) and MMSeg's usual ones.
val_evaluator = dict(type='DepthErrorMetric',
                     depth_metrics=['nmse', 'rmse', 'rmse_log', 'abs_rel', 'd1'])
test_evaluator = val_evaluator
