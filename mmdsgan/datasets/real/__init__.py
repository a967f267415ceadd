"""Real labeled datasets read as their authors ship them, as MMSeg datasets (val / test, and
the labeled images of inversion through :func:`mmdsgan.datasets.read_real_labeled`).

Class merges (HandsOff's benchmark classes) are config data (:mod:`.class_merge`); every label
is read by :mod:`.label_readers`, in pipelines through ``LoadRealAnnotations``.
"""
from .car_parts import CarPartsDataset
from .celebamask_hq import CELEBAMASK_PARTS, CelebAMaskHQDataset
from .cityscapes_depth import CityscapesDepthDataset, LoadCityscapesDepth
from .cityscapes_label_ids import CITYSCAPES_LABEL_IDS, CityscapesLabelIdsDataset
from .class_merge import ClassMerge
from .coco_seg_dataset import CocoSegDataset
from .deepfashion_mm import DEEPFASHION_MM_CLASSES, DeepFashionMMDataset
from .label_readers import read_real_label
from .load_real_annotations import LoadRealAnnotations
from .real_seg_dataset import RealSegDataset

__all__ = ['CarPartsDataset', 'CelebAMaskHQDataset', 'CityscapesDepthDataset',
           'CityscapesLabelIdsDataset', 'LoadCityscapesDepth',
           'ClassMerge', 'CocoSegDataset', 'DeepFashionMMDataset', 'LoadRealAnnotations',
           'RealSegDataset', 'read_real_label', 'CELEBAMASK_PARTS', 'CITYSCAPES_LABEL_IDS',
           'DEEPFASHION_MM_CLASSES']
