# HandsOff on Car-Parts-10 with 50 labeled cars (its second column): the 16-label config on a
# folder of 50 inverted cars.
_base_ = ['./interpreter_ensemble10_car-512_car-parts-10-16shot-512x384.py']

data_root = 'data/car_parts_10_inverted50'
train_dataloader = dict(dataset=dict(data_root=data_root))
train_cfg = dict(max_iters=15000)  # 150 steps per epoch, at most 100 epochs
