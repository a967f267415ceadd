# Smoke test of the MMSeg stack: a tiny FCN trained for a few iterations on CPU.
_base_ = [
    'mmseg::_base_/models/fcn_r50-d8.py',
    '../_base_/datasets/toy_faces_64x64.py',
    'mmseg::_base_/default_runtime.py',
    'mmseg::_base_/schedules/schedule_20k.py',
]
custom_imports = dict(imports=['mmdsgan'], allow_failed_imports=False)

crop_size = (64, 64)
norm_cfg = dict(type='BN', requires_grad=True)  # single-process CPU: plain BN, not SyncBN
data_preprocessor = dict(size=crop_size)
model = dict(
    data_preprocessor=data_preprocessor,
    pretrained=None,  # offline: no ImageNet download
    # ResNet-18 at a quarter width (16 base channels): seconds per iteration on 2 CPU cores.
    backbone=dict(depth=18, stem_channels=16, base_channels=16, norm_cfg=norm_cfg),
    decode_head=dict(in_channels=128, channels=32, num_classes=7, norm_cfg=norm_cfg),
    auxiliary_head=dict(in_channels=64, channels=16, num_classes=7, norm_cfg=norm_cfg))

train_cfg = dict(max_iters=20, val_interval=10)
param_scheduler = [dict(type='PolyLR', eta_min=1e-4, power=0.9, begin=0, end=20, by_epoch=False)]
default_hooks = dict(
    logger=dict(interval=5),
    checkpoint=dict(interval=10, max_keep_ckpts=2))
env_cfg = dict(cudnn_benchmark=False, dist_cfg=dict(backend='gloo'))  # CPU-friendly
