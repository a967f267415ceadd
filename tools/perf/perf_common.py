"""Helpers shared by the performance scripts in ``tools/perf/``.

The scripts are run as files (``python tools/perf/benchmark_generation.py``), not imported as a
package; Python puts a script's folder first on ``sys.path``, so each one does
``import perf_common as common``.

Keep this module free of ``mmdsgan``/``mmseg`` imports: ``benchmark_interpreter.py`` imports them
only inside its per-case subprocesses.
"""
from __future__ import annotations

import copy
import resource
import time
from typing import Any, Callable

import torch

# StyleGAN2 config-f generator kwargs (z/w 512, 8 mapping layers, channel_base 32768,
# channel_max 512); ``img_resolution`` is set per benchmark, see :func:`config_f`.
CONFIG_F = dict(z_dim=512, c_dim=0, w_dim=512, mapping_kwargs=dict(num_layers=8),
                synthesis_kwargs=dict(channel_base=32768, channel_max=512))


def config_f(img_resolution: int, **synthesis_kwargs: Any) -> dict:
    """A fresh copy of :data:`CONFIG_F` at ``img_resolution``, with ``synthesis_kwargs`` updated.

    The result can be passed as ``Generator(**config_f(256))`` or used as the ``generator`` dict
    of a ``StyleGAN2FeatureBackbone`` config.
    """
    kwargs = copy.deepcopy(CONFIG_F)
    kwargs['synthesis_kwargs'].update(synthesis_kwargs)
    kwargs['img_resolution'] = img_resolution
    return kwargs


def reset_peak_rss() -> bool:
    """Reset the kernel's RSS high-water mark (``/proc/self/clear_refs``); False if refused."""
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
        return True
    except OSError:
        return False


def peak_rss_kib(vmhwm: bool = True, strict: bool = True) -> int:
    """This process's peak resident set size, KiB.

    Args:
        vmhwm: read ``VmHWM`` of ``/proc/self/status`` (Linux), the high-water mark that
            :func:`reset_peak_rss` resets. When False, return the process-lifetime
            ``ru_maxrss`` of :func:`resource.getrusage` (KiB on Linux).
        strict: when ``VmHWM`` is missing, raise (True) or fall back to ``ru_maxrss`` (False).
    """
    if vmhwm:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return int(line.split()[1])
        if strict:
            raise RuntimeError('VmHWM not found in /proc/self/status (Linux only)')
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def sync(device: torch.device | None) -> None:
    """Wait for the queued work of a CUDA ``device``; nothing on CPU (or ``None``)."""
    if device is not None and device.type == 'cuda':
        torch.cuda.synchronize(device)


def time_calls(fn: Callable[[int], Any], warmup: int, repeats: int,
               device: torch.device | None = None) -> float:
    """Seconds taken by ``fn(1) .. fn(repeats)``, after ``warmup`` untimed calls ``fn(0)``.

    ``device`` is synchronised before and after the timed calls (see :func:`sync`).
    """
    for _ in range(warmup):
        fn(0)
    sync(device)
    start = time.perf_counter()
    for r in range(repeats):
        fn(r + 1)
    sync(device)
    return time.perf_counter() - start
