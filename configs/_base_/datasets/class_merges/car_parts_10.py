# Car-Parts merged into HandsOff's 10 classes (its `car_10_class` and trans_mask_car_19classTo10):
# the merge is data, applied by the dataset to every label it reads.
# A class merge (config data, see mmdsgan/datasets/real/class_merge.py): target class ->
# source classes of the dataset, targets in class order. Shared by the dataset config
# ../car_parts_10.py and by inversion configs (real_data = dict(class_merge=...)).
class_merge = {
    'background': ['background'],  # includes the json's `_background_` category
    'bumper': ['back_bumper', 'front_bumper'],
    'back window': ['back_glass'],
    'door': ['back_left_door', 'back_right_door', 'front_left_door', 'front_right_door'],
    'light': ['back_left_light', 'back_right_light', 'front_left_light', 'front_right_light'],
    'windshield': ['front_glass'],
    'hood': ['hood'],
    'mirror': ['left_mirror', 'right_mirror'],
    'trunk': ['tailgate', 'trunk'],
    'wheel': ['wheel'],
}
