"""DatasetGAN's labeler: a frozen StyleGAN2 feature backbone and an interpreter ensemble head.

Labels of any size are brought to the output grid (the generator's resolution unless
``out_size`` says otherwise; with ``crop``, that grid's window, e.g. the 512x384 car of the
LSUN-car frame) with ``nearest-exact`` interpolation (pixel-centre aligned, the
nearest-neighbour counterpart of the features' ``align_corners=False`` bilinear resampling);
keypoints are rescaled with the same pixel-centre convention. Checkpoints hold only the head:
the generator comes from the backbone's checkpoint path in the config.
"""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.structures import SegDataSample

from mmdsgan.models.crop import crop_region, parse_crop
from mmdsgan.tasks.resize import resize_nearest
from mmdsgan.utils.errors import InputError
from mmdsgan.utils.profiling import stage

__all__ = ['DatasetGANInterpreter']

BACKBONE_PREFIX = 'backbone.'


@MODELS.register_module()
class DatasetGANInterpreter(BaseModel):
    """Frozen generator features + :class:`InterpreterEnsembleHead`, for the MMEngine Runner.

    Args:
        backbone: config of the feature backbone (``StyleGAN2FeatureBackbone``); frozen, always
            in eval mode, run without gradients with the generator's fixed noise.
        head: config of the head; ``in_channels`` defaults to the backbone's feature channels.
        num_pixels: pixels sampled per image per member and iteration (each member draws its
            own sample, with replacement, among pixels with a valid label).
        class_balanced: sample pixels with probability inversely proportional to their class's
            pixel count in the image (seg), or half of them within 3 sigma of a keypoint
            (keypoints); no effect on depth. A number ``p`` in (0, 1] balances partly:
            probability ~ count ** -p (``True`` = 1: every class equally often; 0.5 keeps
            some of the class prior, so rare classes are not over-predicted).
        out_size: (H, W) grid the feature maps are resampled to (bilinear,
            ``align_corners=False``); default the generator's resolution.
        crop: ``dict(top=, left=, height=, width=)``: the generator's content window inside the
            ``out_size`` grid (the LSUN-car generator draws 512x384 cars in rows 64..448 of its
            512x512 frame: ``dict(top=64, left=0, height=384, width=512)``). Images, labels,
            predictions, training targets and written files are the window's ``height x width``;
            pixel sampling stays inside it. Default: the whole grid.
        data_preprocessor: MMEngine data preprocessor config (default: moves data to device).
        init_cfg: MMEngine init config.

    ``forward(inputs, data_samples, mode)``: inputs are latents, a (N, ...) tensor or a list
    of N tensors (z/w (D,), w+ (num_ws, w_dim)); the latent type is read from the samples'
    ``latent_type`` metainfo (the backbone's default when absent).

    * ``'loss'``: ``{'loss_<task>': scalar}``.
    * ``'predict'``: the samples with ``pred_sem_seg`` (1, H, W), ``seg_logits`` (K, H, W)
      mean member probabilities (seg); ``pred_depth_map`` (1, H, W) (depth); ``pred_heatmaps``
      (K, H, W) and ``pred_keypoints`` (K, 2) ``(x, y)`` (keypoints); ``uncertainty`` (1, H, W)
      and metainfo ``uncertainty_score``. Ground truths are resized to the output grid so
      that MMSeg's ``IoUMetric`` compares like with like.
    * ``'tensor'``: every member's raw output, (N, M, K, H, W).

    :meth:`label` is the generation path: w+ latents in, images with their labels and
    uncertainty out.

    Attributes: ``grid_size`` the resampling grid (``out_size`` argument); ``out_size`` the
    (H, W) of what comes out (images, labels, predictions): the crop's, else ``grid_size``;
    ``region`` ``(top, left, height, width)`` of the crop, or None.
    """

    def __init__(self, backbone: dict, head: dict, num_pixels: int = 2048,
                 class_balanced: bool | float = False, out_size: Sequence[int] | None = None,
                 crop: dict | None = None, data_preprocessor: dict | None = None,
                 init_cfg: dict | None = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.backbone.requires_grad_(False)
        self.backbone.eval()
        head = dict(head)
        head.setdefault('in_channels', list(self.backbone.feature_channels))
        self.head = MODELS.build(head)
        self.num_pixels = num_pixels
        if not 0 <= float(class_balanced) <= 1:
            raise ValueError(f'class_balanced must be True/False or a power in (0, 1], got '
                             f'{class_balanced!r}')
        self.class_balanced = float(class_balanced)
        resolution = self.backbone.img_resolution
        self.grid_size = (tuple(int(v) for v in out_size) if out_size is not None
                          else (resolution, resolution))
        self.region = parse_crop(crop, self.grid_size)
        self.out_size = self.grid_size if self.region is None else self.region[2:]
        self.register_state_dict_post_hook(_drop_backbone_keys)
        self.register_load_state_dict_pre_hook(self._fill_backbone_keys)

    # ------------------------------------------------------------------------ module plumbing
    def train(self, mode: bool = True) -> 'DatasetGANInterpreter':
        super().train(mode)
        self.backbone.eval()  # frozen: in train mode the mapping network would update w_avg
        return self

    def _fill_backbone_keys(self, module, state_dict: dict, prefix: str, *args) -> None:
        """Head-only checkpoints: take the backbone's weights from the loaded generator."""
        for key, value in self.backbone.state_dict(prefix=prefix + BACKBONE_PREFIX).items():
            state_dict.setdefault(key, value)

    # --------------------------------------------------------------------------------- forward
    def forward(self, inputs: torch.Tensor | list[torch.Tensor],
                data_samples: list[SegDataSample] | None = None, mode: str = 'tensor'):
        latents = torch.stack(list(inputs)) if isinstance(inputs, (list, tuple)) else inputs
        if mode == 'loss':
            return self.loss(latents, data_samples)
        if mode == 'predict':
            return self.predict(latents, data_samples)
        if mode == 'tensor':
            return self.head.forward_image(self.extract_feats(latents, data_samples),
                                           self.grid_size, self.region)
        raise ValueError(f'DatasetGANInterpreter: mode must be "loss", "predict" or "tensor", '
                         f'got {mode!r}')

    @torch.no_grad()
    def extract_feats(self, latents: torch.Tensor,
                      data_samples: list[SegDataSample] | None = None) -> list[torch.Tensor]:
        """Generator feature maps [(N, C_l, H_l, W_l), ...] at native resolutions."""
        return self.backbone(latents, latent_type=_latent_type(data_samples))['feats']

    def loss(self, latents: torch.Tensor,
             data_samples: list[SegDataSample]) -> dict[str, torch.Tensor]:
        """Sample pixels per member, gather their hypercolumns, and score the head on them."""
        self._check_classes(data_samples)
        feats = self.extract_feats(latents, data_samples)
        task, n = self.head.label_task, latents.shape[0]
        # Labels, sampling and targets on the output (crop) grid; the hypercolumns are read at
        # the same pixels shifted into the full grid.
        labels = task.targets(data_samples, self.out_size, latents.device)  # seg/depth (N,H,W)
        coords = self._sample_coords(labels, n)  # (M, P, 3) in the output (crop) grid
        members, pixels = coords.shape[:2]
        flat = coords.reshape(-1, 3)  # (M*P, 3)
        hypercolumns = self._gather(feats, self.to_grid(flat)).view(members, pixels, -1)
        targets, valid = task.pixel_targets(labels, flat, self.head)  # (M*P[, K])
        targets = targets.view(members, pixels, *targets.shape[1:])
        if valid is not None:
            valid = valid.view(members, pixels, *valid.shape[1:])
        return self.head.loss(hypercolumns, targets, valid)

    @torch.no_grad()
    def label(self, ws: torch.Tensor) -> dict[str, torch.Tensor]:
        """Generate and label the images of w+ latents: the labeling path of generation.

        Args:
            ws: (N, num_ws, w_dim) w+ latents (truncation already applied).

        Returns:
            ``img`` (N, H, W, 3) uint8 RGB, the generator's image resized (bilinear,
            antialiased) to the grid when that differs, then cropped (:meth:`crop_images`), so
            images and labels share one grid;
            ``label``: the task's written label (seg (N, H, W) long, depth (N, H, W) float,
            keypoints (N, K, 2) ``(x, y)``); ``uncertainty`` (N, H, W); ``score`` (N,).
        """
        with stage('synthesis'):
            out = self.backbone(ws, latent_type='wplus')
        result = self.head.predict(out['feats'], self.grid_size, self.region)
        with stage('image'):
            images = self.crop_images(out['img'])  # (N, 3, H, W) in about [-1, 1]
            images = ((images.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
        return dict(img=images.permute(0, 2, 3, 1), uncertainty=result['uncertainty'],
                    label=self.head.label_task.generated_label(result), score=result['score'])

    @torch.no_grad()
    def predict(self, latents: torch.Tensor,
                data_samples: list[SegDataSample] | None = None) -> list[SegDataSample]:
        """Label maps, mean probabilities and uncertainty into ``SegDataSample``s."""
        result = self.head.predict(self.extract_feats(latents, data_samples), self.grid_size,
                                   self.region)
        if data_samples is None:
            data_samples = [SegDataSample() for _ in range(latents.shape[0])]
        for i, sample in enumerate(data_samples):
            self.head.label_task.pack(sample, result, i)
            sample.uncertainty = PixelData(data=result['uncertainty'][i][None])
            sample.set_metainfo(dict(uncertainty_score=float(result['score'][i]),
                                     out_size=self.out_size))
            self._resize_ground_truth(sample)
        return data_samples

    # ---------------------------------------------------------------------------- the crop
    def crop_images(self, images: torch.Tensor) -> torch.Tensor:
        """Generator images (N, C, R, R) -> (N, C, H, W) of ``out_size``: resized (bilinear,
        antialiased) to the grid when that differs from R, then the crop window taken."""
        if tuple(images.shape[-2:]) != self.grid_size:
            images = F.interpolate(images, size=self.grid_size, mode='bilinear',
                                   align_corners=False, antialias=True)  # (N, C, *grid)
        return crop_region(images, self.region)

    def to_grid(self, coords: torch.Tensor) -> torch.Tensor:
        """(P, 3) ``(batch, y, x)`` of the output (crop) grid -> the same pixels in the full
        grid (shifted by the crop's top and left)."""
        if self.region is None:
            return coords
        top, left = self.region[:2]
        return coords + coords.new_tensor([0, top, left])

    # ------------------------------------------------------------------------------- helpers
    def _check_classes(self, data_samples: list[SegDataSample]) -> None:
        """Refuse labels of another class count than the head's (they would train silently:
        a 7-class head on 4-class masks never sees classes 4..6)."""
        counts = {s.metainfo.get('num_classes') for s in data_samples} - {None}
        for count in counts:
            if self.head.label_task.num_outputs(int(count)) != self.head.num_outputs:
                raise InputError(
                    f'DatasetGANInterpreter: the labeled data has {count} classes (its '
                    f'metainfo.json), the head predicts {self.head.num_outputs}: set '
                    f'model.head.num_classes={count} or fix the classes of the data')

    def _gather(self, feats: list[torch.Tensor], coords: torch.Tensor) -> torch.Tensor:
        """(P, C) hypercolumns at ``coords`` (P, 3) ``(batch, y, x)`` of the full grid
        (:meth:`to_grid`), read from the native-resolution maps (never upsampled as a whole)."""
        return self.backbone.pixel_hypercolumns(feats, coords, self.grid_size)

    def _sample_coords(self, labels: torch.Tensor, n: int) -> torch.Tensor:
        """Each member's pixels: (M, N * num_pixels, 3) long ``(batch, y, x)``."""
        height, width = self.out_size
        weights = self._pixel_weights(labels, n)  # (N, H*W)
        empty = weights.sum(1) == 0
        if empty.any():
            raise ValueError(f'DatasetGANInterpreter: images {empty.nonzero().flatten().tolist()} '
                             f'of the batch have no labeled pixel: check their label files')
        batch = torch.arange(n, device=weights.device).repeat_interleave(self.num_pixels)
        coords = []
        for _ in range(self.head.num_members):
            index = torch.multinomial(weights, self.num_pixels, replacement=True).flatten()
            coords.append(torch.stack([batch, index // width, index % width], 1))
        return torch.stack(coords)  # (M, N*num_pixels, 3)

    def _pixel_weights(self, labels: torch.Tensor, n: int) -> torch.Tensor:
        """Sampling weights (N, H*W): 0 on invalid pixels; balanced over groups if asked."""
        valid, groups = self.head.label_task.sampling_groups(
            labels, n, self.out_size, self.head, bool(self.class_balanced))
        weights = valid.float()
        if self.class_balanced:
            groups = torch.where(valid, groups, torch.zeros_like(groups))
            counts = torch.zeros(n, int(groups.max()) + 1, device=groups.device)
            counts.scatter_add_(1, groups, weights)
            weights = weights / counts.gather(1, groups).clamp(min=1) ** self.class_balanced
        return weights  # (N, H*W)

    def _resize_ground_truth(self, sample: SegDataSample) -> None:
        for field in ('gt_sem_seg', 'gt_depth_map'):
            if field in sample and tuple(getattr(sample, field).shape) != self.out_size:
                data = getattr(sample, field).data
                setattr(sample, field, PixelData(data=resize_nearest(data, self.out_size)))


def _latent_type(data_samples: list[SegDataSample] | None) -> str | None:
    """The batch's latent type from the samples' metainfo (None: the backbone's default)."""
    kinds = {s.metainfo.get('latent_type') for s in data_samples or []} - {None}
    if len(kinds) > 1:
        raise ValueError(f'DatasetGANInterpreter: a batch mixes latent types {sorted(kinds)}; '
                         f'store all latents of a dataset as one kind (metainfo.json latent_type)')
    return kinds.pop() if kinds else None


def _drop_backbone_keys(module, state_dict: dict, prefix: str, local_metadata) -> None:
    """State-dict hook: keep the generator out of checkpoints (it is re-loaded from its path)."""
    for key in [k for k in state_dict if k.startswith(prefix + BACKBONE_PREFIX)]:
        del state_dict[key]
