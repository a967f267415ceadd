# The toy interpreter predicting depth (HandsOff's depth labels): the same 10 MLPs with one
# output each, L1 on pixels with known depth; generation writes 16-bit depth PNGs
# (value = depth * 1000) with the members' std as the per-pixel uncertainty.
# Train it on a depth labeled-latent folder: python tools/invert.py ... --task depth
_base_ = ['./interpreter_ensemble10_toy-faces-64x64.py']

data_root = 'data/toy_faces_labeled_depth'
classes = ['depth']
palette = [[255, 255, 255]]
annotation = dict(_delete_=True, classes=classes, palette=palette, task='depth')
model = dict(head=dict(num_classes=1, task='depth', depth_loss='l1'),
             class_balanced=False)  # one group (known depth): nothing to balance
train_dataloader = dict(dataset=dict(data_root=data_root))
