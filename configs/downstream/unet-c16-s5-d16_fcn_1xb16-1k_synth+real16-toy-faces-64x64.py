# Synthetic + real mix: generated samples plus the 16 labeled real images, repeated so that the
# real ones make up a visible share of each batch.
_base_ = ['./unet-c16-s5-d16_fcn_1xb16-1k_synth-toy-faces-64x64.py']

real_times = 20  # 16 x 20 = 320 real samples beside ~1-2k synthetic ones
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[
            dict(type='SyntheticSegDataset', data_root={{_base_.synth_root}}, split='train',
                 keep_ratio=0.9, pipeline={{_base_.train_pipeline}}),
            dict(type='RepeatDataset', times=real_times,
                 dataset=dict(type='ToyFacesDataset', data_root={{_base_.data_root}},
                              data_prefix=dict(img_path='img_dir/train',
                                               seg_map_path='ann_dir/train'),
                              pipeline={{_base_.train_pipeline}})),
        ]))
