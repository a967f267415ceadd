"""Class merges as config data: a dataset's own classes -> the classes a benchmark scores.

A merge is a dict, target class name -> the source class names (or source ids) it takes, in the
order of the target classes (class 0 first)::

    class_merge = dict(
        background=['background', 'hat', 'ear_r', 'neck_l', 'neck', 'cloth'],
        skin=['skin'], nose=['nose'], eye=['eye_g', 'l_eye', 'r_eye'], ...)

Rules (each broken rule is one :class:`~mmdsgan.utils.errors.InputError` naming the config key
and the fix): every name must be a source class of the dataset (a source id is accepted too),
and every source class must be taken by exactly one target (nothing is dropped silently: send
unwanted classes to ``background`` explicitly). Label pixels of value 255 (ignore) stay 255.
``class_merge=None`` keeps the source classes.

:class:`ClassMerge` turns the table into a 256-entry lookup (source id -> target id) that every
reader of :mod:`mmdsgan.datasets.real` applies; a label holding an id outside the source classes
is refused by :meth:`ClassMerge.apply`, naming the file.
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from mmdsgan.tasks import LabelFileError
from mmdsgan.utils.errors import InputError

__all__ = ['ClassMerge', 'IGNORE_INDEX']

IGNORE_INDEX = 255


class ClassMerge:
    """Source classes of a dataset merged into target classes (rules in the module doc).

    Args:
        source_classes: the dataset's class names; index = the id in its label files.
        merge: target name -> list of source names or ids; None keeps the source classes.
        where: the config key, for messages (e.g. ``'test_dataloader.dataset.class_merge'``).

    Attributes:
        classes: the target class names (class 0 first).
        lut: (256,) uint8, source id -> target id; ids outside the source classes map to 255
            and :meth:`apply` refuses them.
    """

    def __init__(self, source_classes: Sequence[str], merge: Mapping[str, Any] | None = None,
                 where: str = 'class_merge') -> None:
        self.source_classes = list(source_classes)
        if len(self.source_classes) > IGNORE_INDEX:
            raise InputError(f'{where}: {len(self.source_classes)} source classes; at most '
                             f'{IGNORE_INDEX} fit a uint8 label with 255 = ignore')
        self.lut = np.full(256, IGNORE_INDEX, dtype=np.uint8)
        self.lut[IGNORE_INDEX] = IGNORE_INDEX
        if merge is None:
            self.classes = list(self.source_classes)
            self.lut[:len(self.source_classes)] = np.arange(len(self.source_classes))
            return
        if not isinstance(merge, Mapping) or not merge:
            raise InputError(f'{where} must be a dict, target class -> [source classes], got '
                             f'{merge!r}')
        self.classes = [str(name) for name in merge]
        taken: dict[int, str] = {}
        for target_id, (target, sources) in enumerate(merge.items()):
            if isinstance(sources, (str, int)):
                sources = [sources]
            if not isinstance(sources, (list, tuple)) or not sources:
                raise InputError(f'{where}.{target} must be a non-empty list of source class '
                                 f'names, got {sources!r}')
            for name in sources:
                source_id = self._source_id(name, where, target)
                if source_id in taken:
                    raise InputError(
                        f'{where}: source class {self.source_classes[source_id]!r} is taken by '
                        f'both {taken[source_id]!r} and {target!r}; give it to one of them')
                taken[source_id] = target
                self.lut[source_id] = target_id
        left = [name for k, name in enumerate(self.source_classes) if k not in taken]
        if left:
            raise InputError(f'{where} leaves out the source classes {left}: give each to a '
                             f'target class (e.g. add them to background=[...]), so that no '
                             f'class is dropped silently')

    def _source_id(self, name: Any, where: str, target: str) -> int:
        if isinstance(name, bool) or not isinstance(name, (str, int)):
            raise InputError(f'{where}.{target}: {name!r} is not a class name or id')
        if isinstance(name, int):
            if not 0 <= name < len(self.source_classes):
                raise InputError(f'{where}.{target}: source id {name} is outside 0..'
                                 f'{len(self.source_classes) - 1}; the source classes are '
                                 f'{self.source_classes}')
            return name
        if name not in self.source_classes:
            raise InputError(f'{where}.{target}: {name!r} is not a class of this dataset; its '
                             f'classes are {self.source_classes}')
        return self.source_classes.index(name)

    @property
    def is_identity(self) -> bool:
        return self.classes == self.source_classes

    def apply(self, label: np.ndarray, source: str) -> np.ndarray:
        """(H, W) source ids (any integer dtype) -> (H, W) uint8 target ids; 255 stays 255.

        Raises:
            LabelFileError: the label holds ids outside the source classes (names ``source``).
        """
        label = np.asarray(label)
        bad = (label < 0) | ((label >= len(self.source_classes)) & (label != IGNORE_INDEX))
        if bad.any():
            values = np.unique(label[bad])[:10].tolist()
            raise LabelFileError(f'{source}: label values {values} are not classes of this '
                                 f'dataset (ids 0..{len(self.source_classes) - 1}, '
                                 f'{IGNORE_INDEX} = ignore); fix the file or the dataset type')
        return self.lut[label.astype(np.int64)]

    def __repr__(self) -> str:
        return f'ClassMerge({len(self.source_classes)} -> {self.classes})'
