# DatasetGAN/HandsOff arm, keypoints: the small model trained on generated toy faces only.
_base_ = ['./_base_/models/unet-c16-s5-d16_keypoints.py',
          '../_base_/datasets/synth_toy_faces_keypoints_64x64.py',
          'mmseg::_base_/default_runtime.py',
          './_base_/schedules/adamw_1k.py']
custom_imports = dict(imports=['mmdsgan'], allow_failed_imports=False)
train_dataloader = dict(batch_size=16)
