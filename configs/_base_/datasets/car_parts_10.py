# Car-Parts merged into HandsOff's 10 classes (its `car_10_class` and trans_mask_car_19classTo10):
# the merge is data, applied by the dataset to every label it reads.
_base_ = ['./car_parts.py', './class_merges/car_parts_10.py']

# Every split reads its labels through the merge table of the second base.
train_dataloader = dict(dataset=dict(class_merge={{_base_.class_merge}}))
val_dataloader = dict(dataset=dict(class_merge={{_base_.class_merge}}))
test_dataloader = dict(dataset=dict(class_merge={{_base_.class_merge}}))
