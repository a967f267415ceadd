# NVIDIA's StyleGAN2 LSUN-car config-f (512x512 frame), the car generator of DatasetGAN and
# HandsOff, as rosinality's convert_weight.py writes it (docs/generators.md). Shared by the car
# interpreter and inversion configs.
generator_checkpoint = 'checkpoints/stylegan2-car-config-f.pt'
grid_size = (512, 512)
# The one crop setting: LSUN cars are 512 wide x 384 high, trained padded with black rows into
# the 512x512 frame, so the generator draws the car in rows 64..448. DatasetGAN and HandsOff
# label, save and invert only that window (HandsOff's feature dims (384, 512, 6016)): the
# interpreter's model.crop and the inversion's inversion.crop both take this value.
crop = dict(top=64, left=0, height=384, width=512)
