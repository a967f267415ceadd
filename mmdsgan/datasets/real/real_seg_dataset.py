"""The base of the real datasets read as shipped: classes from a config merge, labels read by
:mod:`~.label_readers` (pipelines use ``LoadRealAnnotations`` instead of ``LoadAnnotations``)."""
from __future__ import annotations

from typing import Any, Mapping, Sequence

from mmseg.datasets import BaseSegDataset

from mmdsgan.utils.errors import InputError

from ..sample_ids import select_samples
from .class_merge import ClassMerge

__all__ = ['RealSegDataset']


class RealSegDataset(BaseSegDataset):
    """A :class:`~mmseg.datasets.BaseSegDataset` whose samples carry their label description.

    Subclasses give the dataset's own classes (:meth:`source_classes`) and list the samples
    (:meth:`load_data_list`, each ``dict(img_path=..., real_label=dict(kind=..., ...))`` through
    :meth:`sample`). The classes the dataset reports (``metainfo['classes']``) are those of
    ``class_merge`` (:class:`~.class_merge.ClassMerge`: target -> source classes; None keeps
    the source classes). ``metainfo`` may add a ``palette`` for the target classes; its
    ``classes``, if given, must equal the merge's.

    Args:
        class_merge: the merge table (config data), or None.
        sample_ids: read only these samples (ids = image file stems), in this order: a list,
            or a text file of one id per line (the pipeline's ``{labeled_ids}``); None: all.
        **kwargs: :class:`~mmseg.datasets.BaseSegDataset` arguments.
    """

    def __init__(self, class_merge: Mapping[str, Any] | None = None,
                 metainfo: Mapping[str, Any] | None = None,
                 sample_ids: str | Sequence[str] | None = None, **kwargs) -> None:
        self.sample_ids = sample_ids
        self.class_merge = ClassMerge(self.source_classes(), class_merge,
                                      where=f'{type(self).__name__}.class_merge')
        meta = dict(metainfo or {})
        given = meta.get('classes')
        if given is not None and list(given) != self.class_merge.classes:
            raise InputError(f'{type(self).__name__}: metainfo.classes {list(given)} differ from '
                             f'the classes of class_merge {self.class_merge.classes}; drop '
                             f'metainfo.classes (the merge names the classes)')
        meta['classes'] = self.class_merge.classes
        super().__init__(metainfo=meta, **kwargs)

    def filter_data(self) -> list:
        """MMEngine's filter, then only the samples of ``sample_ids`` (when given)."""
        data = super().filter_data()
        if self.sample_ids is None:
            return data
        return select_samples(data, self.sample_ids,
                              f'{type(self).__name__} {self.data_root} '
                              f'split {getattr(self, "split", "")!r}')

    def source_classes(self) -> Sequence[str]:
        """The dataset's own class names, index = id in its labels."""
        raise NotImplementedError

    def get_label_map(self, new_classes=None):  # noqa: D102  (the merge replaces label_map)
        return None

    def sample(self, img_path: str, kind: str, **spec: Any) -> dict:
        """One ``data_list`` entry: the image and its label description (plain data)."""
        return dict(img_path=img_path, real_label=dict(kind=kind, **spec), label_map=None,
                    reduce_zero_label=False, seg_fields=[])

    def get_data_info(self, idx: int) -> dict:
        """The sample's entry with the dataset's merge (``class_merge``: one object for all
        samples, not one copy per serialized entry)."""
        info = super().get_data_info(idx)
        info['class_merge'] = self.class_merge
        return info
