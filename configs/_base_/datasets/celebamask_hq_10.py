# CelebAMask-HQ merged into HandsOff's 10 classes (face_10_class, trans_mask_stylegan_19classTo10):
# the 8 classes plus hat and glasses of their own; earring, necklace, neck, cloth -> background.
_base_ = ['./celebamask_hq.py', './class_merges/celebamask_hq_10.py']

# Every split reads its labels through the merge table of the second base.
train_dataloader = dict(dataset=dict(class_merge={{_base_.class_merge}}))
val_dataloader = dict(dataset=dict(class_merge={{_base_.class_merge}}))
test_dataloader = dict(dataset=dict(class_merge={{_base_.class_merge}}))
