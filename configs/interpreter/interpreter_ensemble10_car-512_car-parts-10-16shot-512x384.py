# HandsOff on Car-Parts-10: the interpreter on the LSUN-car StyleGAN2, trained on 16 real cars
# inverted into the generator (a GPU config). The generator draws its 512x384 cars in rows
# 64..448 of a 512x512 frame: labels, images and generated files are that 384x512 window.
# 1. python tools/invert.py configs/inversion/invert_restyle5-opt500_car-512_car-parts-10.py \
#        --data data/Car-Parts-Segmentation --format car-parts --split train \
#        --out data/car_parts_10_inverted16
# 2. python tools/train.py THIS_CONFIG
_base_ = ['./_base_/interpreter_handsoff_512.py',
          './_base_/generators/stylegan2-car-config-f_512.py']

data_root = 'data/car_parts_10_inverted16'
model = dict(
    backbone=dict(checkpoint={{_base_.generator_checkpoint}}),
    head=dict(num_classes=10,  # HandsOff's Car-Parts-10
              hidden_dims=[512, 256]),  # HandsOff's car MLP
    out_size={{_base_.grid_size}},
    crop={{_base_.crop}})  # the car window of the frame (the generator base says why)
train_dataloader = dict(dataset=dict(data_root=data_root))
# 16 images x 196k window pixels at 64k per step: 48 steps per epoch, at most 100 epochs.
train_cfg = dict(type='IterBasedTrainLoop', max_iters=4800)
