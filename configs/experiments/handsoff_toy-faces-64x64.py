# `make demo`: the HandsOff flow on the built-in toy domain, offline, on a CPU, as an experiment
# of tools/handsoff.py (docs/pipeline.md walks through every key; copy this file for your own
# domain). 16 labeled real faces -> inversion into the shipped StyleGAN2 -> interpreter ensemble
# -> generated labeled set with uncertainty filtering -> the same small MMSeg model trained on
# it, on the 16 labels alone and on all 200 real training labels (the upper bound) -> all scored
# on 200 held-out real faces. Run it with
#   python tools/handsoff.py configs/experiments/handsoff_toy-faces-64x64.py  (= make demo)
generator = 'mmdsgan/checkpoints/toy_faces_64.pth'

# The toy domain has no dataset on disk: these commands render it into the work dir. Real
# domains leave `prepare` empty and point real.root at their folder. Disjoint seed ranges: the
# held-out faces are never seen in training. The 200 training faces are the full-supervision
# arm's data; the labeled ones are the first 16 of them (seeds 0-15, the demo's 16 faces).
prepare = [
    dict(name='train', title='render 200 real toy faces (train)',
         args=['tools/make_toy_data.py', '{work_dir}/real', '--num', '200', '--split', 'train',
               '--start-seed', '0']),
    dict(name='val', title='render 50 real toy faces (val)',
         args=['tools/make_toy_data.py', '{work_dir}/real', '--num', '50', '--split', 'val',
               '--start-seed', '100000']),
    dict(name='test', title='render 200 real toy faces (test)',
         args=['tools/make_toy_data.py', '{work_dir}/real', '--num', '200', '--split', 'test',
               '--start-seed', '200000']),
]

# The real labeled data: an MMSeg folder (img_dir/<split>, ann_dir/<split>); the labeled images
# are the first k of the split in file-name order (or a list of ids: labeled=['toy_000003', ...]).
real = dict(root='{work_dir}/real', format='mmseg', split='train', task='seg', labeled=16,
            class_merge=None)
# The real val and test splits every arm is scored on (their dataloaders replace the arms' own).
evaluation = dict(config='configs/_base_/datasets/toy_faces_64x64.py',
                  cfg_options={'val_dataloader.dataset.data_root': '{real_root}',
                               'test_dataloader.dataset.data_root': '{real_root}'})

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
generation = dict(num=1200, batch_size=16, cfg_options={})

# Downstream: the same small UNet (class-weighted loss) in every arm, 1000 iterations: at 600 the
# 16-label model had not learned eyes and brows yet (30.7 mIoU; 41.0 at 1000), so a shorter
# schedule would flatter the synthetic arm.
_down = 'configs/downstream/unet-c16-s5-d16_fcn_1xb16-1k_'
benchmark = dict(
    seeds=[0],
    absent='nan',
    cross_validation=None,
    cfg_options={'train_cfg.max_iters': 1000, 'train_cfg.val_interval': 1000,
                 'param_scheduler.0.end': 1000, 'default_hooks.checkpoint.interval': 1000},
    arms=dict(
        synthetic=dict(name='synthetic (HandsOff)', config=_down + 'synth-toy-faces-64x64.py',
                       cfg_options={'train_dataloader.dataset.data_root': '{synthetic}'}),
        few_shot=dict(name='{k} real labels only', config=_down + 'real16-toy-faces-64x64.py',
                      cfg_options={'train_dataloader.dataset.data_root': '{real_root}',
                                   'train_dataloader.dataset.ann_file': '{labeled_ids}'}),
        # Transfer learning needs a segmentor pretrained elsewhere as a local file (e.g. MMSeg's
        # DeepLabV3-R50 on ADE20K; docs/downstream.md): off here, switch it on with
        # --cfg-options benchmark.arms.transfer.enabled=True once the file is in place.
        transfer=dict(
            enabled=False, name='transfer ({k} real, DeepLabV3-R50)',
            load_from='checkpoints/pretrained/deeplabv3_r50-d8_pretrained.pth',
            config='configs/downstream/deeplabv3_r50-d8_1xb8-2k_real16-transfer-frozen_'
                   'toy-faces-64x64.py',
            cfg_options={'train_dataloader.dataset.data_root': '{real_root}',
                         'train_dataloader.dataset.ann_file': '{labeled_ids}'}),
        # Off in `make demo` (its 15-minute budget on 2 cores); switch it on with
        # --cfg-options benchmark.arms.synthetic_real.enabled=True
        synthetic_real=dict(
            enabled=False, name='synthetic + {k} real',
            config=_down + 'synth+real16-toy-faces-64x64.py',
            cfg_options={'train_dataloader.dataset.datasets.0.data_root': '{synthetic}',
                         'train_dataloader.dataset.datasets.1.dataset.data_root': '{real_root}',
                         'train_dataloader.dataset.datasets.1.dataset.ann_file':
                             '{labeled_ids}'}),
        full=dict(name='all real labels (upper bound)', config=_down + 'real16-toy-faces-64x64.py',
                  cfg_options={'train_dataloader.dataset.data_root': '{real_root}'}),
    ))

# Label-efficiency curve: ks=[4, 8, 16] runs inversion, interpreter, generation and the arms for
# each k (the first k of the labeled images) and writes label_efficiency.md/.png.
ks = None
