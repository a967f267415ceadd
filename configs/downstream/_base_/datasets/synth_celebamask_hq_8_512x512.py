# Train on a generated CelebAMask-HQ-8 set (tools/generate_dataset.py with the face interpreter,
# 512x512); validate and test on the real CelebAMask-HQ val / test splits as shipped.
_base_ = ['../../../_base_/datasets/celebamask_hq_8.py']

synth_root = 'data/synth_celebamask_hq_8'
# The seeds train on the generated images as they are: no resizing, no augmentation.
synth_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='PackSegInputs'),
]
train_dataloader = dict(
    batch_size=8,  # the seeds' batch
    dataset=dict(
        _delete_=True,  # another dataset class: drop CelebAMaskHQDataset's arguments
        type='SyntheticSegDataset',
        data_root=synth_root,
        split='train',
        keep_ratio=0.9,  # DatasetGAN / HandsOff: drop the 10% most uncertain samples
        pipeline=synth_pipeline))
