"""Named stages of labeling, for ``torch.profiler`` (``tools/perf/benchmark_generation.py``).

Code marks a stage with ``with stage('projection'):``. Outside a profiler this costs one
dispatcher call (about a microsecond); under one, each stage shows up as an event named
``mmdsgan.<stage>``, and the benchmark sums their times. Stages never nest, so their times add up.
"""
from __future__ import annotations

from torch.profiler import record_function

__all__ = ['LABELING_STAGES', 'STAGE_PREFIX', 'stage']

STAGE_PREFIX = 'mmdsgan.'
# In pipeline order: latents -> image -> labels -> files.
LABELING_STAGES = ('mapping', 'synthesis', 'projection', 'resampling', 'mlp', 'vote',
                   'uncertainty', 'image', 'to_host', 'write')


def stage(name: str) -> record_function:
    """A profiler range named ``mmdsgan.<name>``; ``name`` one of :data:`LABELING_STAGES`."""
    if name not in LABELING_STAGES:
        raise ValueError(f'unknown labeling stage {name!r}; one of {LABELING_STAGES}')
    return record_function(STAGE_PREFIX + name)
