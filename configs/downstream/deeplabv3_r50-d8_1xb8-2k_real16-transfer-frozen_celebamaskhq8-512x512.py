# Transfer-learning baseline on CelebAMask-HQ-8: MMSeg's DeepLabV3-R50 pretrained on ADE20K,
# backbone frozen, heads fine-tuned on 16 labeled real faces (the first 16 of the training split).
# Online, MMEngine downloads `load_from` into the torch hub cache; offline, download it elsewhere
# and pass --cfg-options load_from=checkpoints/pretrained/<file> (a missing file stops with
# "checkpoint not found: <path>"). Its 150-class heads do not fit: they are skipped with a
# warning, the rest loads.
_base_ = ['./_base_/models/deeplabv3_r50-d8_512x512.py',
          '../_base_/datasets/celebamask_hq_8.py',
          'mmseg::_base_/default_runtime.py',
          './_base_/schedules/adam_2k_seeds.py']
custom_imports = dict(imports=['mmdsgan'], allow_failed_imports=False)

load_from = ('https://download.openmmlab.com/mmsegmentation/v0.5/deeplabv3/'
             'deeplabv3_r50-d8_512x512_160k_ade20k/'
             'deeplabv3_r50-d8_512x512_160k_ade20k_20200615_123227-5d0ee427.pth')
num_classes = 8
model = dict(backbone=dict(frozen_stages=4, norm_eval=True),  # stem + 4 stages frozen
             decode_head=dict(num_classes=num_classes),
             auxiliary_head=dict(num_classes=num_classes))
train_dataloader = dict(batch_size=8, dataset=dict(indices=16))  # the 16 labeled faces
