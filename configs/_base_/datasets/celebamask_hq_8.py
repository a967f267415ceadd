# CelebAMask-HQ merged into HandsOff's 8 classes (face_8_class, trans_mask_stylegan_19classTo8):
# glasses count as eye; hat, earring, necklace, neck and cloth as background.
_base_ = ['./celebamask_hq.py', './class_merges/celebamask_hq_8.py']

# Every split reads its labels through the merge table of the second base.
train_dataloader = dict(dataset=dict(class_merge={{_base_.class_merge}}))
val_dataloader = dict(dataset=dict(class_merge={{_base_.class_merge}}))
test_dataloader = dict(dataset=dict(class_merge={{_base_.class_merge}}))
