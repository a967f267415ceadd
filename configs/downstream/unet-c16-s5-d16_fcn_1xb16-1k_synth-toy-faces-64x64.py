# DatasetGAN/HandsOff arm: the small model trained on generated toy faces only.
_base_ = ['./_base_/unet-c16-s5-d16_fcn_toy-faces-64x64.py',
          './_base_/synth_toy_faces_64x64.py']
