"""One intra-op thread for the GAN tests: their tensors are tiny, and on a shared, loaded CPU
OpenMP worker threads that are descheduled make each step 10-50x slower (measured: a 16 px
train step takes 0.17 s with 1 thread, 1.5-8 s with 2 threads under load)."""
from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True, scope='package')
def _single_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
