# HandsOff on CelebAMask-HQ-8: the interpreter on the FFHQ StyleGAN2, trained on 16 real faces
# inverted into the generator (a GPU config).
# 1. python tools/invert.py configs/inversion/invert_restyle5-opt500_ffhq-1024_celebamask-hq-8.py \
#        --data data/CelebAMask-HQ --format celebamask-hq --split train \
#        --out data/celebamask_hq_8_inverted16  (16 labeled faces: see that config)
# 2. python tools/train.py THIS_CONFIG
_base_ = ['./_base_/interpreter_handsoff_512.py',
          './_base_/generators/stylegan2-ffhq-config-f_1024.py']

data_root = 'data/celebamask_hq_8_inverted16'
model = dict(
    backbone=dict(checkpoint={{_base_.generator_checkpoint}}),
    head=dict(num_classes=8,  # HandsOff's CelebAMask-HQ-8 (_base_/datasets/class_merges/)
              hidden_dims=[256, 32]),  # HandsOff's face MLP (DatasetGAN's default: [128, 32])
    out_size={{_base_.grid_size}})  # HandsOff labels at 512x512 (1024 px maps taken down)
train_dataloader = dict(dataset=dict(data_root=data_root))
# 16 images x 262k pixels at 64k pixels per step: 64 steps per epoch; at most DatasetGAN's 100
# epochs (its plateau stop, the runtime base's LossPlateauStoppingHook, usually ends sooner).
train_cfg = dict(type='IterBasedTrainLoop', max_iters=6400)
