# Few-shot supervised baseline, depth: the same model on the 16 labeled real images alone
# (data/toy_faces/img_dir/train holds exactly the labeled images).
_base_ = ['./_base_/models/unet-c16-s5-d16_depth.py',
          '../_base_/datasets/toy_faces_depth_64x64.py',
          'mmseg::_base_/default_runtime.py',
          './_base_/schedules/adamw_1k.py']
custom_imports = dict(imports=['mmdsgan'], allow_failed_imports=False)
train_dataloader = dict(batch_size=16)
