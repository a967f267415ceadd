# DeepLabV3-R50 from scratch on generated Car-Parts-10 cars (384x512, padded to 512x512 batches),
# the seeds' schedule; scored on the real Car-Parts test split. A GPU config.
_base_ = ['./_base_/models/deeplabv3_r50-d8_512x512.py',
          './_base_/datasets/synth_car_parts_10_512x384.py',
          'mmseg::_base_/default_runtime.py',
          './_base_/schedules/adam_25k_seeds.py']
custom_imports = dict(imports=['mmdsgan'], allow_failed_imports=False)

num_classes = 10  # HandsOff's Car-Parts-10
model = dict(decode_head=dict(num_classes=num_classes),
             auxiliary_head=dict(num_classes=num_classes))
