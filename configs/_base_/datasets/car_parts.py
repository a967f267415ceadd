# Car-Parts (dsmlr/Car-Parts-Segmentation) read as its authors ship it: trainingset/ and
# testset/, each annotations.json (COCO polygons) + JPEGImages/. No conversion step.
# Classes: background (the json's `_background_` category) + the 18 parts; car_parts_10.py
# merges them into HandsOff's 10 classes.
dataset_type = 'CarPartsDataset'
data_root = 'data/Car-Parts-Segmentation'
# The test images come in many sizes and aspect ratios: fit them in 512x512 keeping the
# ratio; the labels stay at the original size and MMSeg scores predictions resized back to it.
scale = (512, 512)

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadRealAnnotations'),  # rasterises the COCO polygons (pycocotools)
    dict(type='Resize', scale=scale, keep_ratio=True),
    dict(type='PackSegInputs'),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=scale, keep_ratio=True),
    dict(type='LoadRealAnnotations'),  # at the original image size
    dict(type='PackSegInputs'),
]

train_dataloader = dict(
    batch_size=4,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='InfiniteSampler', shuffle=True),
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 pipeline=train_pipeline))
# Car-Parts ships no validation split: the test split serves both (as in HandsOff).
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='test',
                 pipeline=test_pipeline))
test_dataloader = val_dataloader

val_evaluator = dict(type='IoUMetric', iou_metrics=['mIoU'])
test_evaluator = val_evaluator
