"""Encoder training on the generator's own samples, and encoder inference (HandsOff stage 1).

Training (``mode='loss'``, with :class:`~mmdsgan.datasets.latent_seed_dataset.LatentSeedDataset`):
every seed gives two z ~ N(0, I) (``torch.Generator`` seeded with it), mapped to w, truncated
towards ``w_avg`` by a psi drawn in ``truncation_psi_range``, and, with probability
``style_mixing_prob``, mixed at a random layer (ws before the crossover from the first z, after
it from the second). The generator renders the target image with its stored noise. The encoder
predicts w+ from the image; loss = ``latent_weight`` * MSE(w+, true w+) + ``mse_weight`` * MSE of
the re-rendered image on [0, 1] (+ ``lpips_weight`` * LPIPS). Generator samples are whole frames
(a framed generator such as LSUN-car draws its padding too), so training uses the whole image; the
content window matters at inversion (``inversion.crop``, :mod:`.inverter`). With ``iterative=True``
(ReStyle) the encoder sees [image, current reconstruction] (6 channels), starts from w_avg and
its image, and refines ``n_iters`` times; each pass is scored, passes are detached from each
other (as ReStyle trains).

Checkpoints hold the encoder only: the generator is re-loaded from ``generator_checkpoint`` and
LPIPS rebuilt from its files.
"""
from __future__ import annotations

from typing import Sequence

import torch
from mmengine.model import BaseModel
from mmseg.registry import MODELS
from torch import nn

from mmdsgan.models.generators import load_generator, seed_rng

from .lpips_loss import build_lpips
from .optimizer import image_losses

__all__ = ['GeneratorInversionModel']

# Sub-modules rebuilt from their own files, never saved in checkpoints.
_EXTERNAL_PREFIXES = ('generator.', 'lpips.')


@MODELS.register_module()
class GeneratorInversionModel(BaseModel):
    """A frozen generator and a trainable :class:`~.encoder.InversionEncoder`.

    Args:
        generator_checkpoint: generator file (any format :func:`load_generator` reads).
        encoder: encoder config; ``img_resolution``, ``num_ws``, ``w_dim`` and ``in_channels``
            are filled from the generator and ``iterative``.
        iterative: ReStyle refinement (encoder input [image, reconstruction]).
        n_iters: refinement passes in training and, by default, in :meth:`encode`
            (1 when not iterative).
        latent_weight, mse_weight, lpips_weight: loss weights (LPIPS built when > 0).
        lpips_backbone: VGG16 file or URL for LPIPS (None: the torch hub cache path).
        style_mixing_prob: probability of mixing two z per training sample.
        truncation_psi_range: (low, high) of the uniform truncation psi per sample.
        data_preprocessor: MMEngine data preprocessor config.
        init_cfg: MMEngine init config.

    ``forward(inputs, data_samples=None, mode)``:

    * ``'loss'``: inputs (N,) int64 seeds -> ``{'loss_latent', 'loss_mse'[, 'loss_lpips']}``.
    * ``'predict'`` / ``'tensor'``: inputs (N, 3, R, R) images in [-1, 1] -> w+ (N, num_ws,
      w_dim) from :meth:`encode`.
    """

    def __init__(self, generator_checkpoint: str, encoder: dict, iterative: bool = False,
                 n_iters: int = 1, latent_weight: float = 1.0, mse_weight: float = 1.0,
                 lpips_weight: float = 0.0, lpips_backbone: str | None = None,
                 style_mixing_prob: float = 0.9,
                 truncation_psi_range: Sequence[float] = (0.7, 1.0),
                 data_preprocessor: dict | None = None, init_cfg: dict | None = None) -> None:
        super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
        self.generator = load_generator(generator_checkpoint)
        G = self.generator
        self.encoder = MODELS.build(dict(encoder, img_resolution=G.img_resolution,
                                         num_ws=G.num_ws, w_dim=G.w_dim,
                                         in_channels=6 if iterative else 3))
        self.iterative = iterative
        self.n_iters = n_iters if iterative else 1
        self.latent_weight, self.mse_weight, self.lpips_weight = (latent_weight, mse_weight,
                                                                  lpips_weight)
        self.lpips = build_lpips(lpips_backbone) if lpips_weight > 0 else None
        self.style_mixing_prob = style_mixing_prob
        self.truncation_psi_range = tuple(truncation_psi_range)
        self.register_state_dict_post_hook(_drop_external_keys)
        self.register_load_state_dict_pre_hook(self._fill_external_keys)

    # ------------------------------------------------------------------------ module plumbing
    def train(self, mode: bool = True) -> 'GeneratorInversionModel':
        super().train(mode)
        self.generator.eval()  # frozen; mapping in eval mode never updates w_avg
        if self.lpips is not None:
            self.lpips.eval()
        return self

    def _fill_external_keys(self, module, state_dict: dict, prefix: str, *args) -> None:
        """Encoder-only checkpoints: the generator and LPIPS keep their loaded weights."""
        for name in ('generator', 'lpips'):
            sub = getattr(self, name)
            if sub is not None:
                for key, value in sub.state_dict(prefix=f'{prefix}{name}.').items():
                    state_dict.setdefault(key, value)

    # --------------------------------------------------------------------------------- forward
    def forward(self, inputs: torch.Tensor, data_samples=None, mode: str = 'tensor'):
        if mode == 'loss':
            return self.loss(inputs)
        if mode in ('predict', 'tensor'):
            return self.encode(inputs)
        raise ValueError(f'GeneratorInversionModel: mode must be "loss", "predict" or '
                         f'"tensor", got {mode!r}')

    @torch.no_grad()
    def sample_ws(self, seeds: torch.Tensor) -> torch.Tensor:
        """Seeds (N,) -> w+ (N, num_ws, w_dim), mixed and truncated per seed (module doc)."""
        G, device = self.generator, self.generator.w_avg.device
        z, psi, crossover = [], [], []
        low, high = self.truncation_psi_range
        for seed in seeds.tolist():
            rng = seed_rng(seed)  # every draw of this sample from its own seed
            z.append(torch.randn(2, G.z_dim, generator=rng))  # (2, z_dim)
            u = torch.rand(3, generator=rng)
            psi.append(low + (high - low) * float(u[0]))
            mixed = float(u[1]) < self.style_mixing_prob
            crossover.append(1 + int(float(u[2]) * (G.num_ws - 1)) if mixed else G.num_ws)
        ws = G.mapping(torch.stack(z).flatten(0, 1).to(device))  # (2N, num_ws, w_dim)
        ws = ws.view(len(z), 2, G.num_ws, G.w_dim)  # (N, 2, num_ws, w_dim)
        psi_t = torch.tensor(psi, device=device).view(-1, 1, 1, 1)
        ws = G.w_avg + psi_t * (ws - G.w_avg)
        layer = torch.arange(G.num_ws, device=device).view(1, -1, 1)
        first = layer < torch.tensor(crossover, device=device).view(-1, 1, 1)  # (N, num_ws, 1)
        return torch.where(first, ws[:, 0], ws[:, 1])  # (N, num_ws, w_dim)

    def render(self, ws: torch.Tensor) -> torch.Tensor:
        """w+ (N, num_ws, w_dim) -> images (N, 3, R, R) with the stored noise."""
        return self.generator.synthesis(ws, noise_mode='const')

    def loss(self, seeds: torch.Tensor) -> dict[str, torch.Tensor]:
        ws_true = self.sample_ws(seeds)  # (N, num_ws, w_dim)
        with torch.no_grad():
            target = self.render(ws_true)  # (N, 3, R, R)
        losses = dict(loss_latent=0.0, loss_mse=0.0)
        if self.lpips is not None:
            losses['loss_lpips'] = 0.0
        for ws, recon in self._passes(target, self.n_iters, keep_grad=True):
            losses['loss_latent'] = losses['loss_latent'] + self.latent_weight * (
                ws - ws_true).square().mean()
            losses['loss_mse'] = losses['loss_mse'] + self.mse_weight * image_losses(
                recon, target, None, 0.0, 1.0).mean()
            if self.lpips is not None:
                losses['loss_lpips'] = losses['loss_lpips'] + self.lpips_weight * self.lpips(
                    recon, target).mean()
        return losses

    @torch.no_grad()
    def encode(self, images: torch.Tensor, n_iters: int | None = None) -> torch.Tensor:
        """Images (N, 3, R, R) in [-1, 1] -> w+ (N, num_ws, w_dim)."""
        ws = None
        for ws, _ in self._passes(images, n_iters or self.n_iters, keep_grad=False):
            pass
        return ws

    def _passes(self, images: torch.Tensor, n_iters: int, keep_grad: bool):
        """Yield (w+, its reconstruction) after each encoder pass (detached in between)."""
        G = self.generator
        n = images.shape[0]
        ws = G.w_avg.detach().expand(n, G.num_ws, G.w_dim)  # (N, num_ws, w_dim)
        recon = None
        if self.iterative:
            with torch.no_grad():
                recon = self.render(ws[:1]).expand_as(images)  # w_avg's image
        for _ in range(n_iters if self.iterative else 1):
            x = torch.cat([images, recon], dim=1) if self.iterative else images  # (N, C, R, R)
            ws = ws.detach() + self.encoder(x)
            with torch.set_grad_enabled(keep_grad and torch.is_grad_enabled()):
                recon = self.render(ws)
            yield ws, recon
            recon = recon.detach()


def _drop_external_keys(module: nn.Module, state_dict: dict, prefix: str,
                        local_metadata) -> None:
    """State-dict hook: keep the generator and LPIPS out of checkpoints."""
    for key in [k for k in state_dict
                if any(k.startswith(prefix + p) for p in _EXTERNAL_PREFIXES)]:
        del state_dict[key]
