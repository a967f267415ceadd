# DeepLabV3-R50 from scratch on generated CelebAMask-HQ-8 faces, the seeds' schedule (Adam 1e-3,
# batch 8, 20 epochs of 10k images); scored on the real test split. A GPU config.
_base_ = ['./_base_/models/deeplabv3_r50-d8_512x512.py',
          './_base_/datasets/synth_celebamask_hq_8_512x512.py',
          'mmseg::_base_/default_runtime.py',
          './_base_/schedules/adam_25k_seeds.py']
custom_imports = dict(imports=['mmdsgan'], allow_failed_imports=False)

num_classes = 8  # HandsOff's CelebAMask-HQ-8
model = dict(decode_head=dict(num_classes=num_classes),
             auxiliary_head=dict(num_classes=num_classes))
