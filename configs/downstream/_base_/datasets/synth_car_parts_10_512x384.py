# Train on a generated Car-Parts-10 set (tools/generate_dataset.py with the car interpreter: the
# 384x512 window of the LSUN-car frame); validate and test on the real Car-Parts test split.
_base_ = ['../../../_base_/datasets/car_parts_10.py']

synth_root = 'data/synth_car_parts_10'
# The seeds train on the generated images as they are: no resizing, no augmentation (the model's
# data preprocessor pads the 384x512 images to 512x512, labels with 255 = ignored).
synth_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=8,  # the seeds' batch
    dataset=dict(
        _delete_=True,  # another dataset class: drop CarPartsDataset's arguments
        type='SyntheticSegDataset',
        data_root=synth_root,
        split='train',
        keep_ratio=0.9,  # DatasetGAN / HandsOff: drop the 10% most uncertain samples
        pipeline=synth_pipeline))
