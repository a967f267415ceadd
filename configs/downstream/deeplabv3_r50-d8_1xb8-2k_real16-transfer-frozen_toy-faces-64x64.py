# Transfer-learning baseline: a segmentor pretrained on another dataset, backbone frozen, head
# fine-tuned on the 16 labeled real images. Put the pretrained MMSeg checkpoint at `load_from`
# (e.g. DeepLabV3-R50 trained on ADE20K or Cityscapes from the MMSeg model zoo); its class head
# has another shape and is skipped with a warning, the rest loads.
_base_ = ['./deeplabv3_r50-d8_1xb8-2k_synth-toy-faces-64x64.py']

load_from = 'checkpoints/pretrained/deeplabv3_r50-d8_pretrained.pth'
model = dict(backbone=dict(frozen_stages=4, norm_eval=True))  # stem + 4 stages frozen
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ToyFacesDataset',
        data_root={{_base_.data_root}},
        data_prefix=dict(img_path='img_dir/train', seg_map_path='ann_dir/train'),
        pipeline={{_base_.train_pipeline}}))
