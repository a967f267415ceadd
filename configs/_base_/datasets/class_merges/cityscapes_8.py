# Cityscapes label ids merged into HandsOff's 8 classes (cityscapes_class,
# trans_mask_cityscapes_35_8). License plate (-1) is not written in labelIds files.
# A class merge (config data, see mmdsgan/datasets/real/class_merge.py): target class ->
# source classes of the dataset, targets in class order. Shared by the dataset config
# ../cityscapes_8.py and by inversion configs (real_data = dict(class_merge=...)).
class_merge = dict(
    void=['unlabeled', 'ego vehicle', 'rectification border', 'out of roi', 'static',
          'dynamic', 'ground', 'sidewalk', 'parking', 'rail track'],
    road=['road'],
    construction=['building', 'wall', 'fence', 'guard rail', 'bridge', 'tunnel'],
    object=['pole', 'polegroup', 'traffic light', 'traffic sign'],
    nature=['vegetation', 'terrain'],
    sky=['sky'],
    human=['person', 'rider'],
    vehicle=['car', 'truck', 'bus', 'caravan', 'trailer', 'train', 'motorcycle', 'bicycle'])
