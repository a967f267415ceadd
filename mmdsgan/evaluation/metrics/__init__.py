from .depth_error_metric import DepthErrorMetric
from .pck_metric import PCKMetric
from .per_class_iou_metric import PerClassIoUMetric

__all__ = ['DepthErrorMetric', 'PCKMetric', 'PerClassIoUMetric']
