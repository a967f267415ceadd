"""A frozen StyleGAN2 generator as an MMSeg backbone: latents in, image and feature maps out
(the hypercolumn source of DatasetGAN / HandsOff)."""
from __future__ import annotations

import warnings
from typing import Any, Sequence

import torch
from mmengine.model import BaseModule
from mmseg.registry import MODELS

from mmdsgan.models.generators import Generator, load_generator
from mmdsgan.models.generators.synthesis import NOISE_MODES
from mmdsgan.models.heads.bilinear_taps import bilinear_source_taps

__all__ = ['StyleGAN2FeatureBackbone', 'sample_hypercolumns']

LATENT_TYPES = ('z', 'w', 'wplus')


def sample_hypercolumns(feats: Sequence[torch.Tensor], coords: torch.Tensor,
                        out_size: int | Sequence[int]) -> torch.Tensor:
    """Per-pixel features at ``coords`` of the maps bilinearly resized to ``out_size``, without
    building the resized maps.

    Equal to ``torch.cat([F.interpolate(f, out_size, mode='bilinear', align_corners=False)
    [b, :, y, x] for f in feats])`` for every (b, y, x) in ``coords``.

    Args:
        feats: maps (N, C_l, H_l, W_l).
        coords: (P, 3) long tensor of (batch index, y, x) in the ``out_size`` grid.
        out_size: H or (H, W) of the virtual full-resolution grid.

    Returns:
        (P, sum_l C_l) tensor, dtype and device of the maps.
    """
    out_h, out_w = (out_size, out_size) if isinstance(out_size, int) else tuple(out_size)
    if coords.ndim != 2 or coords.shape[1] != 3:
        raise ValueError(f'coords must be (P, 3) (batch, y, x), got {tuple(coords.shape)}')
    coords = coords.long()
    b, y, x = coords.unbind(dim=1)
    if len(coords) and (y.min() < 0 or y.max() >= out_h or x.min() < 0 or x.max() >= out_w):
        raise ValueError(f'coords outside the {out_h}x{out_w} output grid')
    if torch.is_grad_enabled() and any(f.requires_grad for f in feats):
        return _gather_differentiable(feats, b, y, x, out_h, out_w)
    out = feats[0].new_empty(len(coords), sum(f.shape[1] for f in feats))  # (P, C)
    offset = 0
    for f in feats:
        n, channels, height, width = f.shape
        # Bilinear sampling as a sparse (P, N*H*W) matrix with 4 entries per row times the
        # channels-last map: one pass over the output, reads of whole channel vectors (gathering
        # (P, C) corners from the channels-first map reads each value H*W floats apart, ~5x
        # slower on CPU at 512 px).
        index, weight = _corner_taps(f, b, y, x, out_h, out_w)  # (P, 4) each
        flat = f.permute(0, 2, 3, 1).reshape(-1, channels)  # (N*H*W, C_l)
        with warnings.catch_warnings():  # "sparse CSR support is in beta": used as documented
            warnings.simplefilter('ignore', UserWarning)
            sampler = torch.sparse_csr_tensor(
                torch.arange(0, index.numel() + 1, 4, device=f.device), index.flatten(),
                weight.flatten(), size=(len(coords), n * height * width))
            out[:, offset:offset + channels] = torch.sparse.mm(sampler, flat)
        offset += channels
    return out  # (P, sum C_l)


def _corner_taps(f: torch.Tensor, b: torch.Tensor, y: torch.Tensor, x: torch.Tensor,
                 out_h: int, out_w: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Flat indices into ``f`` viewed as (N*H*W, C) channels-last, and bilinear weights, of the
    4 corners of each pixel: both (P, 4), corners (y0, x0), (y0, x1), (y1, x0), (y1, x1)."""
    _, _, height, width = f.shape
    y0, y1, ly = bilinear_source_taps(y.to(f.device), height, out_h)
    x0, x1, lx = bilinear_source_taps(x.to(f.device), width, out_w)
    base = b.to(f.device) * (height * width)
    index = torch.stack([base + y0 * width + x0, base + y0 * width + x1,
                         base + y1 * width + x0, base + y1 * width + x1], 1)
    ly, lx = ly.to(f.dtype), lx.to(f.dtype)
    weight = torch.stack([(1 - ly) * (1 - lx), (1 - ly) * lx, ly * (1 - lx), ly * lx], 1)
    return index, weight


def _gather_differentiable(feats, b, y, x, out_h: int, out_w: int) -> torch.Tensor:
    """The same hypercolumns by indexing, for maps autograd records through: (P, sum C_l)."""
    columns = []
    for f in feats:
        index, weight = _corner_taps(f, b, y, x, out_h, out_w)
        flat = f.permute(0, 2, 3, 1).reshape(-1, f.shape[1])  # (N*H*W, C_l)
        columns.append((flat[index] * weight[..., None]).sum(1))  # (P, C_l)
    return torch.cat(columns, dim=1)


@MODELS.register_module()
class StyleGAN2FeatureBackbone(BaseModule):
    """Frozen StyleGAN2 generator returning its image and the outputs of its styled convs.

    Args:
        checkpoint: generator file (NVIDIA .pkl, rosinality .pt or mmdsgan format; see
            :func:`~mmdsgan.models.generators.load_generator`).
        generator: instead of ``checkpoint``, :class:`Generator` kwargs of a randomly
            initialised generator (tests, toys).
        generator_seed: seed for that random initialisation.
        layers: feature layers to return: None = all, else names ('b8.conv0') or indices into
            ``generator.feature_layer_names`` (order kept).
        truncation_psi: truncation applied when mapping z.
        truncation_cutoff: truncate only the first ``cutoff`` ws (None = all).
        noise_mode: 'const' (stored noise: features match the image), 'random' or 'none'.
        latent_type: default kind of latents given to :meth:`forward`: 'z' (N, z_dim),
            'w' (N, w_dim) or 'wplus' (N, num_ws, w_dim).
        include_const: put the learned 4x4 constant input first among the features (named
            'b4.const'), as HandsOff / EditGAN do (their 5888 dims at 256 px, config-f).

    The generator stays in eval mode with ``requires_grad=False``; gradients still flow to
    the latents (for inversion).
    """

    def __init__(self, checkpoint: str | None = None, generator: dict | None = None,
                 generator_seed: int = 0, layers: Sequence[str | int] | None = None,
                 truncation_psi: float = 1.0, truncation_cutoff: int | None = None,
                 noise_mode: str = 'const', latent_type: str = 'z',
                 include_const: bool = False) -> None:
        super().__init__()
        if (checkpoint is None) == (generator is None):
            raise ValueError('StyleGAN2FeatureBackbone needs exactly one of checkpoint= (a '
                             'generator file) or generator= (Generator kwargs for a random one)')
        if latent_type not in LATENT_TYPES:
            raise ValueError(f'latent_type must be one of {LATENT_TYPES}, got {latent_type!r}')
        if noise_mode not in NOISE_MODES:
            raise ValueError(f'noise_mode must be one of {NOISE_MODES}, got {noise_mode!r}')
        if checkpoint is not None:
            self.generator = load_generator(checkpoint)
        else:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(generator_seed)
                self.generator = Generator(**generator)
        self.generator.eval().requires_grad_(False)
        self.layer_indices = self._resolve_layers(layers)
        self.truncation_psi = truncation_psi
        self.truncation_cutoff = truncation_cutoff
        self.noise_mode = noise_mode
        self.latent_type = latent_type
        self.include_const = include_const

    def _resolve_layers(self, layers: Sequence[str | int] | None) -> list[int]:
        names = self.generator.feature_layer_names
        if layers is None:
            return list(range(len(names)))
        indices = []
        for layer in layers:
            if isinstance(layer, str):
                if layer not in names:
                    raise ValueError(f'unknown feature layer {layer!r}; this generator has '
                                     f'{names}')
                indices.append(names.index(layer))
            elif -len(names) <= int(layer) < len(names):
                indices.append(int(layer) % len(names))
            else:
                raise ValueError(f'feature layer index {layer} out of range for {len(names)} '
                                 f'layers {names}')
        if len(set(indices)) != len(indices):
            raise ValueError(f'feature layers repeat: {list(layers)}')
        return indices

    def _taps(self, values: list, const_value: Any) -> list:
        selected = [values[i] for i in self.layer_indices]
        return [const_value, *selected] if self.include_const else selected

    @property
    def feature_layer_names(self) -> list[str]:
        return self._taps(self.generator.feature_layer_names, 'b4.const')

    @property
    def feature_channels(self) -> list[int]:
        return self._taps(self.generator.feature_channels,
                          self.generator.synthesis.b4.const.shape[0])

    @property
    def feature_resolutions(self) -> list[int]:
        return self._taps(self.generator.feature_resolutions, 4)

    @property
    def out_channels(self) -> int:
        return sum(self.feature_channels)

    @property
    def img_resolution(self) -> int:
        return self.generator.img_resolution

    @property
    def num_ws(self) -> int:
        return self.generator.num_ws

    @property
    def w_dim(self) -> int:
        return self.generator.w_dim

    @property
    def z_dim(self) -> int:
        return self.generator.z_dim

    def init_weights(self) -> None:
        """Nothing to initialise: the weights come from ``checkpoint`` (or the seed)."""

    def train(self, mode: bool = True) -> StyleGAN2FeatureBackbone:
        super().train(mode)
        self.generator.eval()
        return self

    def latents_to_ws(self, latents: torch.Tensor, latent_type: str | None = None,
                      c: torch.Tensor | None = None) -> torch.Tensor:
        """z (N, z_dim) -> mapped and truncated; w (N, w_dim) -> repeated; wplus as is.

        Returns: ws (N, num_ws, w_dim).
        """
        latent_type = latent_type or self.latent_type
        G = self.generator
        if latent_type == 'z':
            return G.mapping(latents, c, truncation_psi=self.truncation_psi,
                             truncation_cutoff=self.truncation_cutoff)
        if latent_type == 'w':
            if latents.ndim != 2 or latents.shape[1] != G.w_dim:
                raise ValueError(f'w latents must be (N, {G.w_dim}), got {tuple(latents.shape)}')
            return latents[:, None].expand(-1, G.num_ws, -1)  # (N, num_ws, w_dim)
        if latent_type == 'wplus':
            if latents.ndim != 3 or latents.shape[1:] != (G.num_ws, G.w_dim):
                raise ValueError(f'wplus latents must be (N, {G.num_ws}, {G.w_dim}), got '
                                 f'{tuple(latents.shape)}')
            return latents
        raise ValueError(f'latent_type must be one of {LATENT_TYPES}, got {latent_type!r}')

    def forward(self, latents: torch.Tensor, latent_type: str | None = None,
                c: torch.Tensor | None = None) -> dict[str, torch.Tensor | list[torch.Tensor]]:
        """Synthesize images and feature maps.

        Args:
            latents: (N, z_dim), (N, w_dim) or (N, num_ws, w_dim) by ``latent_type``.
            latent_type: overrides the default given at construction.
            c: (N, c_dim) labels for a conditional generator with z latents.

        Returns:
            dict(img=(N, 3, R, R) in about [-1, 1], feats=[(N, C_l, H_l, W_l), ...]) with the
            selected layers at their native resolutions.
        """
        ws = self.latents_to_ws(latents, latent_type, c)
        img, feats = self.generator.synthesis(ws, noise_mode=self.noise_mode,
                                              return_features=True)
        const = self.generator.synthesis.b4.const
        return dict(img=img, feats=self._taps(feats, const.expand(len(ws), *const.shape)))

    @staticmethod
    def pixel_hypercolumns(feats: Sequence[torch.Tensor], coords: torch.Tensor,
                           out_size: int | Sequence[int]) -> torch.Tensor:
        """(P, sum C_l) bilinear hypercolumns at ``coords`` (P, 3) = (batch, y, x) of the
        ``out_size`` grid; see :func:`sample_hypercolumns`."""
        return sample_hypercolumns(feats, coords, out_size)
