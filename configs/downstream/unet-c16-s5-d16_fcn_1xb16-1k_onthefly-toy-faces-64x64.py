# The synthetic arm without files: every training sample is generated and labeled inside the
# data loader by the trained interpreter (per-index seeds: epochs are reproducible).
_base_ = ['./unet-c16-s5-d16_fcn_1xb16-1k_synth-toy-faces-64x64.py']

interpreter_config = 'configs/interpreter/interpreter_ensemble10_toy-faces-64x64.py'
# The trained head, e.g. work_dirs/interpreter_ensemble10_toy-faces-64x64/iter_600.pth.
interpreter_checkpoint = 'work_dirs/interpreter_ensemble10_toy-faces-64x64/last.pth'
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='OnTheFlySyntheticDataset',
        interpreter=interpreter_config,
        checkpoint=interpreter_checkpoint,
        length=16000,  # 1000 iterations x batch 16: every sample is new
        pipeline={{_base_.train_pipeline}}))
