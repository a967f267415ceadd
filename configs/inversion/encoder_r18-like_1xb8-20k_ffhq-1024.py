# HandsOff stage 1 on the FFHQ StyleGAN2 (1024 px), a GPU config:
#   python tools/train.py configs/inversion/encoder_r18-like_1xb8-20k_ffhq-1024.py
# then invert CelebAMask-HQ with invert_restyle5-opt500_ffhq-1024_celebamask-hq-8.py.
_base_ = ['./_base_/encoder_restyle5.py',
          '../interpreter/_base_/generators/stylegan2-ffhq-config-f_1024.py']

model = dict(generator_checkpoint={{_base_.generator_checkpoint}})
