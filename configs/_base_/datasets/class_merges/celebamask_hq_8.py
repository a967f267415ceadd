# CelebAMask-HQ merged into HandsOff's 8 classes (face_8_class, trans_mask_stylegan_19classTo8):
# glasses count as eye; hat, earring, necklace, neck and cloth as background.
# A class merge (config data, see mmdsgan/datasets/real/class_merge.py): target class ->
# source classes of the dataset, targets in class order. Shared by the dataset config
# ../celebamask_hq_8.py and by inversion configs (real_data = dict(class_merge=...)).
class_merge = dict(
    background=['background', 'hat', 'ear_r', 'neck_l', 'neck', 'cloth'],
    skin=['skin'],
    nose=['nose'],
    eye=['l_eye', 'r_eye', 'eye_g'],
    brow=['l_brow', 'r_brow'],
    ear=['l_ear', 'r_ear'],
    mouth=['mouth', 'u_lip', 'l_lip'],
    hair=['hair'])
