# Few-shot supervised baseline: the same model on the 16 labeled real images alone
# (data/toy_faces/img_dir/train holds exactly the labeled images).
_base_ = ['./_base_/unet-c16-s5-d16_fcn_toy-faces-64x64.py']
