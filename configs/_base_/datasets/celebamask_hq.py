# CelebAMask-HQ read as its authors ship it: CelebA-HQ-img/<i>.jpg (1024x1024) and the per-part
# masks CelebAMask-HQ-mask-anno/<i // 2000>/<iiiii>_<part>.png (512x512), split by CelebA's
# list_eval_partition.txt through CelebA-HQ-to-CelebA-mapping.txt. No conversion step.
# Classes: the dataset's 19 (background + 18 parts); celebamask_hq_8.py / _10.py merge them.
dataset_type = 'CelebAMaskHQDataset'
data_root = 'data/CelebAMask-HQ'
# HandsOff works at 512 (the masks' resolution); labels are read at the image size (x2
# nearest) and MMSeg scores predictions resized back to it.
scale = (512, 512)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadRealAnnotations'),  # paints the part masks, as the dataset's script does
    dict(type='Resize', scale=scale, keep_ratio=True),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=scale, keep_ratio=True),
    dict(type='LoadRealAnnotations'),
    dict(type='PackSegInputs'),
]

train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='val',
                 pipeline=test_pipeline))
test_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='test',
                 pipeline=test_pipeline))

val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
