# Benchmark spec (tools/benchmark.py), keypoints: generated data vs the 16 labeled real
# images, same small model, same real test images; HandsOff's keypoint columns.
# Data roots as the config defaults (data/synth_toy_faces_keypoints, data/toy_faces); `make
# demo-all` writes its own spec with its folders.
_base_ = []
arms = [
    dict(name='synthetic', labeled_images=16,
         config='configs/downstream/'
                'unet-c16-s5-d16_kp-heatmap_1xb16-1k_synth-toy-faces-keypoints-64x64.py'),
    dict(name='real16 only', labeled_images=16,
         config='configs/downstream/'
                'unet-c16-s5-d16_kp-heatmap_1xb16-1k_real16-toy-faces-keypoints-64x64.py'),
]
seeds = [0, 1, 2]
metrics = ['PCK@0.1', 'PCK@0.05', 'PCK@0.02']  # PCKMetric's values; the arms keep it
absent = 'nan'
cross_validation = None
work_dir = 'work_dirs/benchmark/unet-c16_toy-faces-keypoints-64x64_synth-vs-real16'
