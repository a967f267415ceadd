# Train on a generated (synthetic) toy-faces set; validate and test on real toy faces.
# Generate it with tools/generate_dataset.py (see docs/generation.md).
_base_ = ['./toy_faces_64x64.py']

synth_root = 'data/synth_toy_faces'
train_dataloader = dict(
    dataset=dict(
        _delete_=True,  # a different dataset class: drop ToyFacesDataset's arguments
        type='SyntheticSegDataset',
        data_root=synth_root,
        split='train',
        keep_ratio=0.9,  # DatasetGAN: drop the 10% most uncertain samples
        pipeline={{_base_.train_pipeline}}))
