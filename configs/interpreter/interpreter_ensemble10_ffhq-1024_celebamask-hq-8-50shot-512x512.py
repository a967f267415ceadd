# HandsOff on CelebAMask-HQ-8 with 50 labeled faces (its second column): the 16-label config on a
# folder of 50 inverted faces (tools/invert.py with a list of 50 HQ indices).
_base_ = ['./interpreter_ensemble10_ffhq-1024_celebamask-hq-8-16shot-512x512.py']

data_root = 'data/celebamask_hq_8_inverted50'
train_dataloader = dict(dataset=dict(data_root=data_root))
# 50 images: 200 steps per epoch, so the same 100-epoch cap is 20k steps.
train_cfg = dict(max_iters=20000)
