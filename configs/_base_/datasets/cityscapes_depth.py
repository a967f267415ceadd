# Cityscapes depth read as shipped: leftImg8bit/<split>/<city>/*_leftImg8bit.png with
# disparity/<split>/<city>/*_disparity.png (16-bit) and camera/<split>/<city>/*_camera.json;
# depth (m) = baseline * fx / ((p - 1) / 256), 0 (ignored) where p = 0 (invalid).
dataset_type = 'CityscapesDepthDataset'
data_root = 'data/cityscapes'
# HandsOff's Cityscapes generator is 256x512 (H x W): the network sees images at that scale.
scale = (512, 256)

test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=scale, keep_ratio=True),
    # loaded after Resize: the depth stays at the full 2048x1024 and is scored there (the
    # prediction is resized back to the image's original shape), as cityscapes_label_ids.py
    dict(type='LoadCityscapesDepth'),
    dict(type='PackSegInputs'),
]

val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=False),
    dataset=dict(type=dataset_type, data_root=data_root, split='val',
                 pipeline=test_pipeline))
test_dataloader = val_dataloader  # scored on val, like cityscapes_label_ids.py

# HandsOff's depth columns (mNMSE = the image mean of nmse) and MMSeg's usual ones. Pixels with
# gt <= 0 (invalid disparity) do not count (min_depth_eval = 0, strict); depths are clamped to
# [1e-3, 80] m before the errors, as in HandsOff's evaluation (far pixels count, capped).
val_evaluator = dict(type='DepthErrorMetric', clamp=(1e-3, 80),
                     depth_metrics=['nmse', 'rmse', 'rmse_log', 'abs_rel', 'd1'])
test_evaluator = val_evaluator
