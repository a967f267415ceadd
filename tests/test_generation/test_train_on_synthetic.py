"""tools/train.py trains an MMSeg model on generated data (2 iterations of the smoke config)."""
from __future__ import annotations


SMOKE = 'configs/smoke/fcn_r18-c16-d8_1xb8-20iter_toy-faces-64x64.py'


def _train(tool, repo_root, toy_faces_root, work, dataset_opts):
    opts = [f'val_dataloader.dataset.data_root={toy_faces_root}',
            f'test_dataloader.dataset.data_root={toy_faces_root}',
            'train_dataloader.batch_size=2', 'train_cfg.max_iters=2', 'train_cfg.val_interval=100',
            'default_hooks.checkpoint.interval=2', *dataset_opts]
    return tool('train').main([str(repo_root / SMOKE), '--work-dir', str(work),
                               '--cfg-options', *opts])


def test_train_on_a_generated_folder(tool, repo_root, toy_faces_root, generated, tmp_path):
    runner = _train(tool, repo_root, toy_faces_root, tmp_path, [
        'train_dataloader.dataset.type=SyntheticSegDataset',
        f'train_dataloader.dataset.data_root={generated}',
        'train_dataloader.dataset.keep_ratio=0.9'])
    assert runner.iter == 2 and (tmp_path / 'iter_2.pth').is_file()
    assert len(runner.train_dataloader.dataset) == 9


def test_train_on_the_fly(tool, repo_root, toy_faces_root, interpreter, tmp_path):
    runner = _train(tool, repo_root, toy_faces_root, tmp_path, [
        'train_dataloader.dataset.type=OnTheFlySyntheticDataset',
        f'train_dataloader.dataset.interpreter={interpreter["config"]}',
        f'train_dataloader.dataset.checkpoint={interpreter["checkpoint"]}',
        'train_dataloader.dataset.length=4'])
    assert runner.iter == 2 and (tmp_path / 'iter_2.pth').is_file()
    assert len(runner.train_dataloader.dataset) == 4
