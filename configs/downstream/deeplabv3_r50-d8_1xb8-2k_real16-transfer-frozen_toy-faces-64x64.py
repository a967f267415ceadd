# Transfer-learning baseline: a segmentor pretrained on another dataset, backbone frozen, head
# fine-tuned on the 16 labeled real images. Put the pretrained MMSeg checkpoint at `load_from`
# (e.g. DeepLabV3-R50 trained on ADE20K or Cityscapes from the MMSeg model zoo); its class head
# has another shape and is skipped with a warning, the rest loads.
_base_ = ['./_base_/models/deeplabv3_r50-d8_64x64.py',
          '../_base_/datasets/toy_faces_64x64.py',
          'mmseg::_base_/default_runtime.py',
          './_base_/schedules/adam_2k_seeds.py']
custom_imports = dict(imports=['mmdsgan'], allow_failed_imports=False)

load_from = 'checkpoints/pretrained/deeplabv3_r50-d8_pretrained.pth'
model = dict(backbone=dict(frozen_stages=4, norm_eval=True))  # stem + 4 stages frozen
train_dataloader = dict(batch_size=8)
