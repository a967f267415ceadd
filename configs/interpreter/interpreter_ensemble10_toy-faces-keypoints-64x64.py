# The toy interpreter predicting the 5 face keypoints (HandsOff's keypoint labels): one Gaussian
# heatmap per keypoint (sigma 2 px), decoded by argmax + quarter-pixel refinement; generation
# writes one keypoints JSON per image with the heatmaps' member std as the uncertainty.
# Train it on a keypoint labeled-latent folder: python tools/invert.py ... --task keypoints
_base_ = ['./interpreter_ensemble10_toy-faces-64x64.py']

data_root = 'data/toy_faces_labeled_keypoints'
classes = ['left_eye', 'right_eye', 'nose_tip', 'mouth_left', 'mouth_right']
palette = [[204, 0, 0], [0, 0, 204], [51, 255, 255], [204, 0, 204], [255, 255, 0]]
annotation = dict(_delete_=True, classes=classes, palette=palette, task='keypoints')
model = dict(head=dict(num_classes=len(classes), task='keypoints', heatmap_sigma=2.0))
train_dataloader = dict(dataset=dict(data_root=data_root))
