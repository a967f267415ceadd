# HandsOff stage 2 on CelebAMask-HQ-8 faces: the encoder's estimate, then 500 Adam steps over W+
# per image with 10 LPIPS + 1 MSE + 1 latent MSE (a GPU config).
#   CKPT=work_dirs/encoder_r18-like_1xb8-20k_ffhq-1024/iter_20000.pth
#   python tools/invert.py configs/inversion/invert_restyle5-opt500_ffhq-1024_celebamask-hq-8.py \
#       --data data/CelebAMask-HQ --format celebamask-hq --split train \
#       --out data/celebamask_hq_8_inverted16 --cfg-options inversion.encoder_checkpoint=$CKPT
# (--format celebamask-hq reads the whole split: give the 16 or 50 labeled faces as their own
# folder, e.g. --format mmseg, until tools/invert.py selects images of a shipped dataset.)
_base_ = ['./encoder_r18-like_1xb8-20k_ffhq-1024.py',
          '../_base_/datasets/class_merges/celebamask_hq_8.py']

inversion = dict(
    steps=500,  # HandsOff: 500 steps after the encoder
    lr=0.1,  # peak rate of NVIDIA's projector schedule
    lpips_weight=10.0,  # HandsOff: 10 * LPIPS(VGG) + 1 * MSE + 1 * latent MSE
    mse_weight=1.0,
    latent_weight=1.0,
    use_lpips=True,
    # downloaded into the torch hub cache when online; offline: the file there, or a local path
    lpips_backbone='https://download.pytorch.org/models/vgg16-397923af.pth',
    encoder_checkpoint=None,  # the trained encoder (above); None starts from w_avg
    n_iters=None,  # the model's 5 passes
    batch_size=4,  # 1024 px images (CelebA-HQ's size: no resampling)
    crop=None)  # faces fill the whole frame
# HandsOff's 8 classes, merged from the dataset's 19 as every label is read.
real_data = dict(class_merge={{_base_.class_merge}})
