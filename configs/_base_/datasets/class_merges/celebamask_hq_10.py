# CelebAMask-HQ merged into HandsOff's 10 classes (face_10_class, trans_mask_stylegan_19classTo10):
# the 8 classes plus hat and glasses of their own; earring, necklace, neck, cloth -> background.
# A class merge (config data, see mmdsgan/datasets/real/class_merge.py): target class ->
# source classes of the dataset, targets in class order. Shared by the dataset config
# ../celebamask_hq_10.py and by inversion configs (real_data = dict(class_merge=...)).
class_merge = dict(
    background=['background', 'ear_r', 'neck_l', 'neck', 'cloth'],
    skin=['skin'],
    nose=['nose'],
    eye=['l_eye', 'r_eye'],
    brow=['l_brow', 'r_brow'],
    ear=['l_ear', 'r_ear'],
    mouth=['mouth', 'u_lip', 'l_lip'],
    hair=['hair'],
    hat=['hat'],
    glasses=['eye_g'])
