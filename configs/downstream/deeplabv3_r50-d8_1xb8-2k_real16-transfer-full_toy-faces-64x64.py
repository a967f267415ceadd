# Transfer-learning baseline, fully fine-tuned: every layer trains on the 16 real labels.
_base_ = ['./deeplabv3_r50-d8_1xb8-2k_real16-transfer-frozen_toy-faces-64x64.py']
model = dict(backbone=dict(frozen_stages=-1, norm_eval=False))
