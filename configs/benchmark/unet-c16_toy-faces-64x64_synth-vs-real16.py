# Benchmark spec (tools/benchmark.py): generated data vs the 16 labeled real images, same small
# model, same real test images. Data roots as written by `make demo`.
_base_ = []
arms = [
    dict(name='synthetic', labeled_images=16,
         config='configs/downstream/unet-c16-s5-d16_fcn_1xb16-1k_synth-toy-faces-64x64.py'),
    dict(name='synthetic+real16', labeled_images=16,
         config='configs/downstream/unet-c16-s5-d16_fcn_1xb16-1k_synth+real16-toy-faces-64x64.py'),
    dict(name='real16 only', labeled_images=16,
         config='configs/downstream/unet-c16-s5-d16_fcn_1xb16-1k_real16-toy-faces-64x64.py'),
]
seeds = [0, 1, 2]
absent = 'nan'
cross_validation = None
work_dir = 'work_dirs/benchmark/unet-c16_toy-faces-64x64_synth-vs-real16'
