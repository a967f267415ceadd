# DatasetGAN's exact downstream network, DeepLabV3 with ResNet-101, on generated CelebAMask-HQ-8.
_base_ = ['./deeplabv3_r50-d8_1xb8-25k_synth-celebamaskhq8-512x512.py']
model = dict(backbone=dict(depth=101))
