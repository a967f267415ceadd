# `make demo-all`, depth: the toy experiment (handsoff_toy-faces-64x64.py: the same real faces,
# 16 labeled, encoder and inversion settings) with depth labels in every stage: the depth
# interpreter, a generated depth set, and the small UNet (scale-invariant log loss) on it vs on
# the 16 real depth maps, 3 seeds each, scored by mNMSE / RMSE / RMSE-log on the held-out faces.
#   python tools/handsoff.py configs/experiments/handsoff_toy-faces-depth-64x64.py
_base_ = ['./handsoff_toy-faces-64x64.py']

real = dict(task='depth')
evaluation = dict(config='configs/_base_/datasets/toy_faces_depth_64x64.py')
# depth targets are 0.5-8 units from an MLP output starting at 0: at 300 iterations the L1 loss
# was still falling fast (0.45); 1000 iterations. Uniform pixel sampling (no classes).
interpreter = dict(
    config='configs/interpreter/interpreter_ensemble10_toy-faces-depth-64x64.py',
    cfg_options=dict(_delete_=True, **{'model.num_pixels': 256, 'train_cfg.max_iters': 1000}))
generation = dict(num=600)

_down = 'configs/downstream/unet-c16-s5-d16_depth-silog_1xb16-1k_'
# 3 seeds of 400 iterations each (CPU-sized): the regression arms settle sooner than seg's.
benchmark = dict(
    seeds=[0, 1, 2],
    metrics=['nmse', 'rmse', 'rmse_log'],
    cfg_options={'train_cfg.max_iters': 400, 'train_cfg.val_interval': 400,
                 'param_scheduler.0.end': 400, 'default_hooks.checkpoint.interval': 400},
    arms=dict(
        _delete_=True,
        synthetic=dict(name='depth: synthetic (HandsOff)',
                       config=_down + 'synth-toy-faces-depth-64x64.py',
                       cfg_options={'train_dataloader.dataset.data_root': '{synthetic}'}),
        few_shot=dict(name='depth: {k} real labels only',
                      config=_down + 'real16-toy-faces-depth-64x64.py',
                      cfg_options={'train_dataloader.dataset.data_root': '{real_root}',
                                   'train_dataloader.dataset.ann_file': '{labeled_ids}'})))
