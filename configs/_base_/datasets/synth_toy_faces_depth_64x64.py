# Train on a generated toy-faces depth set; validate and test on real toy faces' depth.
# Generate it with tools/generate_dataset.py and a depth interpreter (docs/downstream.md).
_base_ = ['./toy_faces_depth_64x64.py']

synth_root = 'data/synth_toy_faces_depth'
train_dataloader = dict(
    dataset=dict(
        _delete_=True,  # a different dataset class: drop ToyFacesDepthDataset's arguments
        type='SyntheticDepthDataset',
        data_root=synth_root,
        split='train',
        keep_ratio=0.9,  # as for seg: drop the 10% most uncertain samples (ensemble std)
        pipeline={{_base_.train_pipeline}}))
