# HandsOff stage 2 on Car-Parts-10 cars (a GPU config): real cars fitted to the generator's
# 512x384 window (4:3 photos: resized, as HandsOff), padded with black rows into its 512x512
# frame; the losses compare the window only, and latents' labels and images are written at 384x512.
#   CKPT=work_dirs/encoder_r18-like_1xb8-20k_car-512/iter_20000.pth
#   python tools/invert.py configs/inversion/invert_restyle5-opt500_car-512_car-parts-10.py \
#       --data data/Car-Parts-Segmentation --format car-parts --split train \
#       --out data/car_parts_10_inverted16 --cfg-options inversion.encoder_checkpoint=$CKPT
# (--format car-parts reads the whole split, 400 cars: for the 16 or 50 labeled ones give a json
# of those images with --format coco --data <json>.)
_base_ = ['./encoder_r18-like_1xb8-20k_car-512.py',
          '../_base_/datasets/class_merges/car_parts_10.py']

inversion = dict(
    steps=500,  # HandsOff: 500 steps after the encoder
    lr=0.1,
    lpips_weight=10.0,  # HandsOff: 10 * LPIPS(VGG) + 1 * MSE + 1 * latent MSE
    mse_weight=1.0,
    latent_weight=1.0,
    use_lpips=True,
    # downloaded into the torch hub cache when online; offline: the file there, or a local path
    lpips_backbone='https://download.pytorch.org/models/vgg16-397923af.pth',
    encoder_checkpoint=None,
    n_iters=None,
    batch_size=8,
    crop={{_base_.crop}})  # the car window (configs/interpreter/_base_/generators/ says why)
# HandsOff's 10 classes (its `_background_` category is class 0 as read).
real_data = dict(class_merge={{_base_.class_merge}})
