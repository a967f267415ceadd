# `make demo-all`, keypoints: the toy experiment (handsoff_toy-faces-64x64.py: the same real
# faces, 16 labeled, encoder and inversion settings) with keypoint labels in every stage: the
# keypoint interpreter (heatmaps), a generated keypoint set, and the small UNet (heatmap loss) on
# it vs on the 16 real faces' keypoints, 3 seeds each, scored by PCK on the held-out faces.
#   python tools/handsoff.py configs/experiments/handsoff_toy-faces-keypoints-64x64.py
_base_ = ['./handsoff_toy-faces-64x64.py']

real = dict(task='keypoints')
evaluation = dict(config='configs/_base_/datasets/toy_faces_keypoints_64x64.py')
# half-balanced sampling between pixels near a keypoint and the rest, as for seg
interpreter = dict(
    config='configs/interpreter/interpreter_ensemble10_toy-faces-keypoints-64x64.py',
    cfg_options=dict(_delete_=True, **{'model.num_pixels': 256, 'train_cfg.max_iters': 600,
                                       'model.class_balanced': 0.5}))
generation = dict(num=600)

_down = 'configs/downstream/unet-c16-s5-d16_kp-heatmap_1xb16-1k_'
# 3 seeds of 400 iterations each (CPU-sized).
benchmark = dict(
    seeds=[0, 1, 2],
    metrics=['PCK@0.1', 'PCK@0.05', 'PCK@0.02'],
    cfg_options={'train_cfg.max_iters': 400, 'train_cfg.val_interval': 400,
                 'param_scheduler.0.end': 400, 'default_hooks.checkpoint.interval': 400},
    arms=dict(
        _delete_=True,
        synthetic=dict(name='keypoints: synthetic (HandsOff)',
                       config=_down + 'synth-toy-faces-keypoints-64x64.py',
                       cfg_options={'train_dataloader.dataset.data_root': '{synthetic}'}),
        few_shot=dict(name='keypoints: {k} real labels only',
                      config=_down + 'real16-toy-faces-keypoints-64x64.py',
                      cfg_options={'train_dataloader.dataset.data_root': '{real_root}',
                                   'train_dataloader.dataset.ann_file': '{labeled_ids}'})))
