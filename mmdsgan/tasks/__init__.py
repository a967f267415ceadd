"""Label types: one module per type owns its files, ensemble vote, uncertainty, loss and metric.

``get_task('seg')`` returns the :class:`~.base.LabelTask` that readers, writers, the interpreter
head and generation ask instead of branching on the name. To add a label type, see
``docs/adding_a_label_type.md``.
"""
from .base import LabelFileError, LabelTask, get_task, register_task, task_names, top_ratio_score
from .seg import SegTask  # noqa: F401  (registration order: seg, depth, keypoints)
from .depth import DepthTask  # noqa: E402,F401
from .keypoints import KeypointsTask  # noqa: E402,F401

__all__ = ['LabelFileError', 'LabelTask', 'get_task', 'register_task', 'task_names',
           'top_ratio_score', 'SegTask', 'DepthTask', 'KeypointsTask']
