# HandsOff stage 1 on the LSUN-car StyleGAN2 (512x512 frame), a GPU config. Generator samples are
# whole frames, padding rows included, so the encoder trains on the whole frame; the crop applies
# at inversion (invert_restyle5-opt500_car-512_car-parts-10.py).
_base_ = ['./_base_/encoder_restyle5.py',
          '../interpreter/_base_/generators/stylegan2-car-config-f_512.py']

model = dict(generator_checkpoint={{_base_.generator_checkpoint}})
