# The seeds' downstream network and schedule on generated toy faces; a GPU config.
_base_ = ['./_base_/models/deeplabv3_r50-d8_64x64.py',
          '../_base_/datasets/synth_toy_faces_64x64.py',
          'mmseg::_base_/default_runtime.py',
          './_base_/schedules/adam_2k_seeds.py']
custom_imports = dict(imports=['mmdsgan'], allow_failed_imports=False)
train_dataloader = dict(batch_size=8)
