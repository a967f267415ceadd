# The real-resolution path on a CPU (issue #11, item 6): the toy experiment at 256x256 with a
# random StyleGAN2 config-f generator (z/w 512, 8 mapping layers, channel_base 32768,
# channel_max 512; random weights, built into the work dir from these kwargs), 4 labeled faces
# rendered at 256 px and a handful of iterations per stage. It proves that every stage runs at
# this size; its numbers mean nothing (the generator is untrained).
#   python tools/handsoff.py configs/experiments/handsoff_random-config-f-256_toy-faces-256x256.py
_base_ = ['./handsoff_toy-faces-64x64.py']

generator = dict(_delete_=True, seed=0, kwargs=dict(
    z_dim=512, c_dim=0, w_dim=512, img_resolution=256, mapping_kwargs=dict(num_layers=8),
    synthesis_kwargs=dict(channel_base=32768, channel_max=512)))

prepare = [
    dict(name='train', title='render 8 real toy faces at 256 px (train)',
         args=['tools/make_toy_data.py', '{work_dir}/real', '--num', '8', '--split', 'train',
               '--start-seed', '0', '--size', '256']),
    dict(name='val', title='render 2 real toy faces at 256 px (val)',
         args=['tools/make_toy_data.py', '{work_dir}/real', '--num', '2', '--split', 'val',
               '--start-seed', '100000', '--size', '256']),
    dict(name='test', title='render 4 real toy faces at 256 px (test)',
         args=['tools/make_toy_data.py', '{work_dir}/real', '--num', '4', '--split', 'test',
               '--start-seed', '200000', '--size', '256']),
]
real = dict(labeled=4)

encoder = dict(cfg_options={'train_cfg.max_iters': 5, 'default_hooks.checkpoint.interval': 5,
                            'train_dataloader.batch_size': 2})
inversion = dict(cfg_options={'inversion.steps': 5, 'inversion.batch_size': 2,
                              'inversion.use_lpips': False})
interpreter = dict(cfg_options={'train_cfg.max_iters': 5, 'model.head.num_members': 2,
                                'model.num_pixels': 1024, 'train_dataloader.batch_size': 2})
generation = dict(num=8, batch_size=2)
benchmark = dict(cfg_options={'train_cfg.max_iters': 5, 'train_cfg.val_interval': 5,
                              'param_scheduler.0.end': 5,
                              'default_hooks.checkpoint.interval': 5,
                              'train_dataloader.batch_size': 2})
