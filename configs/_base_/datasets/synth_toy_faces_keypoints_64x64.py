# Train on a generated toy-faces keypoint set; validate and test on real toy faces' keypoints.
# Generate it with tools/generate_dataset.py and a keypoint interpreter (docs/downstream.md).
_base_ = ['./toy_faces_keypoints_64x64.py']

synth_root = 'data/synth_toy_faces_keypoints'
train_dataloader = dict(
    dataset=dict(
        _delete_=True,  # a different dataset class: drop ToyFacesKeypointDataset's arguments
        type='SyntheticKeypointDataset',
        data_root=synth_root,
        split='train',
        keep_ratio=0.9,  # as for seg: drop the 10% most uncertain samples (heatmap std)
        pipeline={{_base_.train_pipeline}}))
