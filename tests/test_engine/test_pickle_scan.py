"""The bounded pre-scan of pickles: a DAG of shared tuples used as a dict key (which makes any
unpickler hash 2**levels elements) is refused in milliseconds by every loader; real files pass."""
from __future__ import annotations

import io
import resource
import time

import pytest
import torch

from mmdsgan.models.generators import GeneratorLoadError, load_generator
from mmdsgan.utils.checkpoint import load_checkpoint_safely
from mmdsgan.utils.pickle_scan import PickleTooLargeError, check_pickle_size


def tuple_dag_pickle(levels: int) -> bytes:
    """``{t_levels: None}`` with ``t_0 = (0,)``, ``t_i = (t_{i-1}, t_{i-1})``: ~10 bytes a level,
    2**levels elements to hash."""
    body = b'\x80\x02' + b'}' + b'K\x00\x85q\x00' + b'0'  # dict; t0 = (0,) memo 0; pop
    for i in range(1, levels + 1):
        body += b'h' + bytes([i - 1]) + b'h' + bytes([i - 1]) + b'\x86q' + bytes([i]) + b'0'
    return body + b'h' + bytes([levels]) + b'Ns.'


def test_small_dags_are_exact_and_pass():
    import pickle
    t1 = ((0,), (0,))
    assert pickle.loads(tuple_dag_pickle(2)) == {(t1, t1): None}  # the pickle builds the DAG
    check_pickle_size(io.BytesIO(tuple_dag_pickle(10)), 'small')  # 2**11 elements: fine
    with pytest.raises(PickleTooLargeError, match='refused to load small: .* more than 1000'):
        check_pickle_size(io.BytesIO(tuple_dag_pickle(10)), 'small', budget=1000)


@pytest.mark.parametrize('loader, error', [(load_checkpoint_safely, PickleTooLargeError),
                                           (load_generator, GeneratorLoadError)])
def test_deep_tuple_dag_refused_fast(tmp_path, loader, error):
    path = tmp_path / 'dag.pkl'
    path.write_bytes(tuple_dag_pickle(60))  # 2**60 hash steps for any unpickler
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    with pytest.raises(error, match=r'dag\.pkl.*expands to more than'):
        loader(str(path))
    assert time.perf_counter() - start < 2.0
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 200 * 1024  # KiB


def test_real_checkpoints_pass_the_scan(tmp_path):
    state = {'state_dict': {f'w{i}': torch.randn(4) for i in range(100)},
             'meta': {'history': list(range(10000)), 'shared': [[1, 2]] * 50}}
    torch.save(state, tmp_path / 'ckpt.pth')
    loaded = load_checkpoint_safely(str(tmp_path / 'ckpt.pth'))
    assert torch.equal(loaded['state_dict']['w7'], state['state_dict']['w7'])
    torch.save(state, tmp_path / 'legacy.pth', _use_new_zipfile_serialization=False)
    assert load_checkpoint_safely(str(tmp_path / 'legacy.pth'))['meta']['history'][-1] == 9999
