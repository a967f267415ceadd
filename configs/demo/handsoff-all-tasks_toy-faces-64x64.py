# `make demo-all` (tools/demo_all.py): `make demo`'s HandsOff flow for segmentation, depth and
# keypoints on the built-in toy domain: the same 16 labeled real faces, encoder and inversion
# settings; one interpreter and one generated set per label type; per label type the small UNet
# on the generated set vs on the 16 real labels, scored on the held-out real faces.
_base_ = ['./handsoff_toy-faces-64x64.py']

tasks = ['seg', 'depth', 'keypoints']
# Per label type: interpreter config, its overrides, samples to generate and the benchmark.
# The demo's seg settings above stay as they are (its arms, 1 seed, 1000 iterations).
task_settings = dict(
    depth=dict(
        interpreter='configs/interpreter/interpreter_ensemble10_toy-faces-depth-64x64.py',
        # depth targets are 0.5-8 units from an MLP output starting at 0: at 300 iterations
        # the L1 loss was still falling fast (0.45); 1000 iterations
        interpreter_options={'model.num_pixels': 256, 'train_cfg.max_iters': 1000},
        generation=dict(num=600, batch_size=16),
        arms=[dict(name='depth: synthetic (HandsOff)',
                   config='configs/downstream/'
                          'unet-c16-s5-d16_depth-silog_1xb16-1k_synth-toy-faces-depth-64x64.py'),
              dict(name='depth: 16 real labels only',
                   config='configs/downstream/'
                          'unet-c16-s5-d16_depth-silog_1xb16-1k_real16-toy-faces-depth-64x64.py')],
        metrics=['nmse', 'rmse', 'rmse_log']),
    keypoints=dict(
        interpreter='configs/interpreter/interpreter_ensemble10_toy-faces-keypoints-64x64.py',
        # half-balanced sampling between pixels near a keypoint and the rest, as for seg
        interpreter_options={'model.num_pixels': 256, 'train_cfg.max_iters': 600,
                             'model.class_balanced': 0.5},
        generation=dict(num=600, batch_size=16),
        arms=[dict(name='keypoints: synthetic (HandsOff)',
                   config='configs/downstream/'
                          'unet-c16-s5-d16_kp-heatmap_1xb16-1k_synth-toy-faces-keypoints-64x64.py'),
              dict(name='keypoints: 16 real labels only',
                   config='configs/downstream/'
                          'unet-c16-s5-d16_kp-heatmap_1xb16-1k_real16-toy-faces-keypoints-64x64.py'),
              ],
        metrics=['PCK@0.1', 'PCK@0.05', 'PCK@0.02']))
# Depth and keypoint downstream runs: 3 seeds of 400 iterations each (CPU-sized; 12 runs).
task_benchmark = dict(
    seeds=[0, 1, 2],
    cfg_options={'train_cfg.max_iters': 400, 'train_cfg.val_interval': 400,
                 'param_scheduler.0.end': 400, 'default_hooks.checkpoint.interval': 400})
