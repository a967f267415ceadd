# DeepFashion-MultiModal human parsing read as shipped: images/<name>.jpg (750x1101) with
# segm/<name>_segm.png (24 labels). The dataset has no split: `split='all'` takes every parsing
# map, another name reads <data_root>/<split>.txt (image names). No class merge here: HandsOff's
# 8/10-class tables are not in its public code (add one as `class_merge` in a leaf).
dataset_type = 'DeepFashionMMDataset'
data_root = 'data/DeepFashion-MultiModal'
scale = (512, 1024)  # the longer side of the 750x1101 images to 1024 at most (ratio kept)

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=scale, keep_ratio=True),
    dict(type='LoadRealAnnotations'),
    dict(type='PackSegInputs'),
]
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
