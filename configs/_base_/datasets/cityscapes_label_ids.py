# Cityscapes read as shipped: leftImg8bit/<split>/<city>/*_leftImg8bit.png with
# gtFine/<split>/<city>/*_gtFine_labelIds.png (34 label ids), without MMSeg's conversion to
# train ids. cityscapes_8.py merges them into HandsOff's 8 classes.
dataset_type = 'CityscapesLabelIdsDataset'
data_root = 'data/cityscapes'
# HandsOff's Cityscapes generator is 256x512 (H x W): images are scored at that scale.
scale = (512, 256)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadRealAnnotations'),
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
test_dataloader = val_dataloader  # Cityscapes' test labels are not public

val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
