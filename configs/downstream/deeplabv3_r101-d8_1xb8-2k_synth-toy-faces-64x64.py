# DatasetGAN's exact downstream network: DeepLabV3 with ResNet-101.
_base_ = ['./deeplabv3_r50-d8_1xb8-2k_synth-toy-faces-64x64.py']
model = dict(backbone=dict(depth=101))
