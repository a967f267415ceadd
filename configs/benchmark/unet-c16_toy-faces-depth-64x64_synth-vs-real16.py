# Benchmark spec (tools/benchmark.py), depth: generated data vs the 16 labeled real images,
# same small model, same real test images; HandsOff's depth columns.
# Data roots as the config defaults (data/synth_toy_faces_depth, data/toy_faces); `make
# demo-all` writes its own spec with its folders.
_base_ = []
arms = [
    dict(name='synthetic', labeled_images=16,
         config='configs/downstream/'
                'unet-c16-s5-d16_depth-silog_1xb16-1k_synth-toy-faces-depth-64x64.py'),
    dict(name='real16 only', labeled_images=16,
         config='configs/downstream/'
                'unet-c16-s5-d16_depth-silog_1xb16-1k_real16-toy-faces-depth-64x64.py'),
]
seeds = [0, 1, 2]
# DepthErrorMetric's values (nmse: its image mean is HandsOff's mNMSE); the arms keep it.
metrics = ['nmse', 'rmse', 'rmse_log']
absent = 'nan'
cross_validation = None
work_dir = 'work_dirs/benchmark/unet-c16_toy-faces-depth-64x64_synth-vs-real16'
