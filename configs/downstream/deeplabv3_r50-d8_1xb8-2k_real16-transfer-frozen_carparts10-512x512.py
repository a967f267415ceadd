# Transfer-learning baseline on Car-Parts-10: MMSeg's DeepLabV3-R50 pretrained on ADE20K (whose
# classes include cars), backbone frozen, heads fine-tuned on 16 labeled real cars (the first 16
# of the training split). `load_from` as the CelebAMask-HQ-8 transfer config: the URL online, a
# local file offline (--cfg-options load_from=<file>).
_base_ = ['./_base_/models/deeplabv3_r50-d8_512x512.py',
          '../_base_/datasets/car_parts_10.py',
          'mmseg::_base_/default_runtime.py',
          './_base_/schedules/adam_2k_seeds.py']
custom_imports = dict(imports=['mmdsgan'], allow_failed_imports=False)

load_from = ('https://download.openmmlab.com/mmsegmentation/v0.5/deeplabv3/'
             'deeplabv3_r50-d8_512x512_160k_ade20k/'
             'deeplabv3_r50-d8_512x512_160k_ade20k_20200615_123227-5d0ee427.pth')
num_classes = 10
model = dict(backbone=dict(frozen_stages=4, norm_eval=True),  # stem + 4 stages frozen
             decode_head=dict(num_classes=num_classes),
             auxiliary_head=dict(num_classes=num_classes))
train_dataloader = dict(batch_size=8, dataset=dict(indices=16))  # the 16 labeled cars
