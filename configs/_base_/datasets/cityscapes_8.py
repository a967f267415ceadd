# Cityscapes label ids merged into HandsOff's 8 classes (cityscapes_class,
# trans_mask_cityscapes_35_8). License plate (-1) is not written in labelIds files.
_base_ = ['./cityscapes_label_ids.py', './class_merges/cityscapes_8.py']

# Every split reads its labels through the merge table of the second base.
train_dataloader = dict(dataset=dict(class_merge={{_base_.class_merge}}))
val_dataloader = dict(dataset=dict(class_merge={{_base_.class_merge}}))
test_dataloader = dict(dataset=dict(class_merge={{_base_.class_merge}}))
