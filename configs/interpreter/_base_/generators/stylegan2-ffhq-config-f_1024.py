# NVIDIA's StyleGAN2 FFHQ config-f (1024x1024), the face generator of HandsOff and EditGAN, as
# rosinality's convert_weight.py writes it from NVIDIA's TensorFlow pickle (that pickle itself is
# refused: docs/generators.md). Shared by the face interpreter and inversion configs.
generator_checkpoint = 'checkpoints/stylegan2-ffhq-config-f.pt'
# HandsOff labels faces at 512x512: the 1024 px maps are resampled to this grid.
grid_size = (512, 512)
