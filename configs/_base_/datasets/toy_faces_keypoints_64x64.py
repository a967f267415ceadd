# The built-in toy domain's real keypoints: rendered 64x64 faces with their 5 keypoints
# (left_eye, right_eye, nose_tip, mouth_left, mouth_right) in COCO keypoints/<split>.json.
# Write it with: python tools/make_toy_data.py data/toy_faces --num 16 --split train
#   (and --split val / --split test with other --start-seed values).
dataset_type = 'ToyFacesKeypointDataset'
data_root = 'data/toy_faces'
crop_size = (64, 64)

# No RandomFlip: it would swap left and right keypoints (PackKeypointInputs refuses it).
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='PackKeypointInputs'),
]
test_pipeline = train_pipeline

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

# HandsOff's keypoint columns: distances over the image side (64 px: 6.4, 3.2, 1.3 px).
val_evaluator = dict(type='PCKMetric', alphas=(0.1, 0.05, 0.02), normalize='image')
test_evaluator = val_evaluator
