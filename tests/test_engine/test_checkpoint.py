"""MMEngine checkpoints load under torch's safe unpickler, and nothing else does."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub
from mmengine.runner.checkpoint import CheckpointLoader

import mmdsgan  # noqa: F401  (registers the safe loader)
from mmdsgan.utils.checkpoint import UnsafeCheckpointError, load_checkpoint_safely


def _mmengine_like_checkpoint() -> dict:
    hub = MessageHub.get_instance('test_checkpoint')
    for i in range(3):
        hub.update_scalar('train/loss', float(i) + 0.5)
    hub.update_info('iter', 3)
    return dict(
        meta=dict(epoch=0, iter=3, seed=np.int64(7), dataset_meta=dict(classes=('a', 'b')),
                  scale=np.float32(2.5), arr=np.arange(4, dtype=np.int16)),
        state_dict={'w': torch.arange(6.).reshape(2, 3)},
        message_hub=hub.state_dict())


def _pickled_globals(path) -> set[str]:
    import pickletools
    import zipfile

    with zipfile.ZipFile(path) as zf:
        data = zf.read(next(n for n in zf.namelist() if n.endswith('data.pkl')))
    # torch.save pickles with protocol 2: every global is a GLOBAL 'module name' opcode.
    return {arg.replace('__builtin__ ', 'builtins ').replace(' ', '.')
            for op, arg, _ in pickletools.genops(data)
            if op.name == 'GLOBAL'}


def test_allowlist_covers_an_mmengine_checkpoint(tmp_path):
    path = tmp_path / 'ckpt.pth'
    torch.save(_mmengine_like_checkpoint(), path)
    # What issue 2 measured on a real MMEngine checkpoint is in this one too ...
    assert {'mmengine.logging.history_buffer.HistoryBuffer', 'builtins.getattr',
            'numpy.dtype'} <= _pickled_globals(path)
    assert any(g.endswith('multiarray._reconstruct') for g in _pickled_globals(path))
    # ... and torch's safe unpickler, with our allowlist, finds nothing left to refuse.
    assert torch.serialization.get_unsafe_globals_in_checkpoint(str(path)) == []


def test_round_trip_through_mmengine_loader(tmp_path):
    path = tmp_path / 'ckpt.pth'
    torch.save(_mmengine_like_checkpoint(), path)
    ckpt = CheckpointLoader.load_checkpoint(str(path), map_location='cpu')
    assert torch.equal(ckpt['state_dict']['w'], torch.arange(6.).reshape(2, 3))
    assert ckpt['meta']['seed'] == 7 and ckpt['meta']['arr'].tolist() == [0, 1, 2, 3]
    buf = ckpt['message_hub']['log_scalars']['train/loss']
    assert isinstance(buf, HistoryBuffer)
    assert buf.current() == 2.5 and buf.mean() == pytest.approx(1.5)


class _RunsShell:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os
        return os.system, (f'touch {self.marker}',)


class _GetattrEscape:
    def __reduce__(self):
        return getattr, (HistoryBuffer, 'register_statistics')


def test_refuses_code_execution(tmp_path):
    marker = tmp_path / 'pwned'
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'x': _RunsShell(marker)}, path)
    with pytest.raises(UnsafeCheckpointError, match='evil.pth') as err:
        CheckpointLoader.load_checkpoint(str(path))
    assert 'system' in str(err.value)
    assert not marker.exists()


def test_refuses_getattr_beyond_history_buffer_statistics(tmp_path):
    path = tmp_path / 'getattr.pth'
    torch.save({'x': _GetattrEscape()}, path)
    with pytest.raises(UnsafeCheckpointError, match='register_statistics'):
        load_checkpoint_safely(str(path))


def test_missing_file_is_named(tmp_path):
    with pytest.raises(FileNotFoundError, match='nothere.pth'):
        load_checkpoint_safely(str(tmp_path / 'nothere.pth'))
