# `make demo` (tools/demo.py): the HandsOff flow on the built-in toy domain, offline, on a CPU.
# 16 labeled real faces -> inversion into the shipped StyleGAN2 -> interpreter ensemble ->
# generated labeled set with uncertainty filtering -> a small MMSeg model trained on it, and the
# same model on the 16 labels alone -> both scored on 200 held-out real faces.
generator = 'mmdsgan/checkpoints/toy_faces_64.pth'

real = dict(num_labeled=16, num_val=50, num_test=200,
            # disjoint seed ranges: the held-out faces are never seen in training
            labeled_seed=0, val_seed=100_000, test_seed=200_000)

# Stage 1 of HandsOff: an encoder trained on the generator's own samples.
# One encoder pass (not ReStyle's 3) and batch 8: ~0.4 s per step on one CPU core.
encoder = dict(config='configs/inversion/encoder_r18-like_1xb16-2k_toy-faces-64x64.py',
               cfg_options={'train_cfg.max_iters': 300, 'default_hooks.checkpoint.interval': 300,
                            'model.n_iters': 1, 'train_dataloader.batch_size': 8})
# Stage 2: per-image optimisation from the encoder's estimate. Without the VGG file for LPIPS
# the demo runs MSE only; then a small latent weight lets the image term lead. Measured on the
# 16 faces (downstream synthetic-arm mIoU, 600 iterations): 150 steps at weight 0.05 20.9 dB,
# 34.9; 400 steps at 0.01 23.1 dB, 37.7; 400 steps at 0 24.1 dB but 33.3 (off the generator's
# manifold, the features stop describing the image).
inversion = dict(config='configs/inversion/invert_restyle3-opt500_toy-faces-64x64.py',
                 cfg_options={'inversion.steps': 400, 'inversion.latent_weight': 0.01,
                              'inversion.use_lpips': 'auto'})
# 256 pixels per image and member per step (2048 per member with 8 images): the 16 faces hold
# 65k pixels, and the plateau rule stops once the loss settles. Partly class-balanced sampling
# (probability ~ count ** -0.5): eyes, brows, mouth and nose are 5-25 pixels at 64x64; uniform
# sampling leaves them out of the ensemble's labels, full balance over-paints them (synthetic
# arm with the first generator: uniform 28.9 vs full 30.6 mIoU in the earlier recipe; full 37.7
# vs half 38.9 with this one).
interpreter = dict(config='configs/interpreter/interpreter_ensemble10_toy-faces-64x64.py',
                   cfg_options={'model.num_pixels': 256, 'train_cfg.max_iters': 300,
                                'model.class_balanced': 0.5})
generation = dict(num=1200, batch_size=16)
# Downstream: the same small UNet (class-weighted loss) on generated data and on the 16 labels
# alone, 1000 iterations: at 600 the 16-label model had not learned eyes and brows yet
# (30.7 mIoU; 41.0 at 1000), so a shorter schedule would flatter the synthetic arm.
benchmark = dict(
    arms=[dict(name='synthetic (HandsOff)',
               config='configs/downstream/unet-c16-s5-d16_fcn_1xb16-1k_synth-toy-faces-64x64.py'),
          dict(name='16 real labels only',
               config='configs/downstream/unet-c16-s5-d16_fcn_1xb16-1k_real16-toy-faces-64x64.py')],
    seeds=[0],
    cfg_options={'train_cfg.max_iters': 1000, 'train_cfg.val_interval': 1000,
                 'param_scheduler.0.end': 1000, 'default_hooks.checkpoint.interval': 1000})
