# HandsOff stage 2 on the toy domain: encoder estimate, then 500 Adam steps over W+ per image.
#   CKPT=work_dirs/encoder_r18-like_1xb16-2k_toy-faces-64x64/iter_2000.pth
#   python tools/invert.py configs/inversion/invert_restyle3-opt500_toy-faces-64x64.py \
#       --data data/toy_faces --split train --out data/toy_faces_inverted \
#       --cfg-options inversion.encoder_checkpoint=$CKPT
# Inherits `model` (generator path + encoder architecture) from the encoder config.
_base_ = ['./encoder_r18-like_1xb16-2k_toy-faces-64x64.py']

inversion = dict(
    steps=500,  # HandsOff: 500 steps after the encoder (NVIDIA's projector: 1000 from w_avg)
    lr=0.1,  # peak rate of the projector schedule (5 % ramp-up, cosine over the last 25 %)
    lpips_weight=10.0,  # HandsOff: 10 * LPIPS(VGG) + 1 * MSE + 1 * latent MSE
    mse_weight=1.0,
    latent_weight=1.0,  # MSE to the encoder's estimate: keeps w+ near the encoder's manifold
    # LPIPS needs $TORCH_HOME/hub/checkpoints/vgg16-397923af.pth (or lpips_backbone=<file>);
    # use_lpips=False runs MSE only (offline demos without the VGG file).
    use_lpips=True,
    lpips_backbone=None,
    # The trained encoder (tools/train.py of the base config); None starts from w_avg.
    encoder_checkpoint=None,
    n_iters=None,  # encoder passes: None = the model's n_iters
    batch_size=8)  # images optimised together (independent: per-image losses are summed)

# What the real folder does not say (None = take it from REAL_DIR/metainfo.json or the COCO
# json): class names, palette, depth scale, keypoint names, COCO category -> class map, json.
real_data = dict(classes=None, palette=None, depth_scale=None, keypoints=None,
                 category_map=None, ann_file=None)
