"""The built-in toy domain (cartoon faces) as an MMSeg dataset of real, labeled images."""
from mmseg.datasets import BaseSegDataset
from mmseg.registry import DATASETS

from .toy_faces import TOY_FACE_CLASSES, TOY_FACE_PALETTE


@DATASETS.register_module()
class ToyFacesDataset(BaseSegDataset):
    """Rendered toy faces written by ``tools/make_toy_data.py`` (MMSeg layout).

    ``img_dir/<split>/<id>.png`` images and ``ann_dir/<split>/<id>.png`` index PNGs whose values
    are ids into :data:`TOY_FACE_CLASSES` (0 = background, a real class, not ignored).
    All :class:`mmseg.datasets.BaseSegDataset` arguments apply.
    """

    METAINFO = dict(classes=TOY_FACE_CLASSES, palette=[list(c) for c in TOY_FACE_PALETTE])

    def __init__(self, img_suffix: str = '.png', seg_map_suffix: str = '.png',
                 reduce_zero_label: bool = False, **kwargs) -> None:
        super().__init__(img_suffix=img_suffix, seg_map_suffix=seg_map_suffix,
                         reduce_zero_label=reduce_zero_label, **kwargs)
