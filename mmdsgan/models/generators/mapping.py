"""StyleGAN2 mapping network: z (and an optional label c) -> w, broadcast to ``num_ws`` copies,
with the tracked average ``w_avg`` and the truncation trick. Parameter names follow NVIDIA's
``training/networks.py`` (``fc{i}.weight``, ``embed.*``, ``w_avg``)."""
from __future__ import annotations

import math

import torch
from torch import nn

from .ops import bias_lrelu, normalize_2nd_moment

__all__ = ['FullyConnectedLayer', 'MappingNetwork', 'truncate']


class FullyConnectedLayer(nn.Module):
    """Linear layer with equalized learning rate (weights stored unscaled, scaled at forward).

    Args:
        in_features: input width.
        out_features: output width.
        activation: 'linear' or 'lrelu' (slope 0.2, gain √2).
        lr_multiplier: learning-rate multiplier; weights are initialised ``randn / lr_multiplier``
            and scaled by ``lr_multiplier / sqrt(in_features)``, the bias by ``lr_multiplier``.
        bias_init: initial bias value.

    Shapes: (N, in_features) -> (N, out_features).
    """

    def __init__(self, in_features: int, out_features: int, activation: str = 'linear',
                 lr_multiplier: float = 1.0, bias_init: float = 0.0) -> None:
        super().__init__()
        self.activation = activation
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lr_multiplier)
        self.bias = nn.Parameter(torch.full([out_features], float(bias_init)))
        self.weight_gain = lr_multiplier / math.sqrt(in_features)
        self.bias_gain = lr_multiplier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.matmul((self.weight * self.weight_gain).t())
        return bias_lrelu(x, self.bias * self.bias_gain, act=self.activation)


class MappingNetwork(nn.Module):
    """z -> ws.

    Args:
        z_dim: latent width (0 = no latent).
        c_dim: label width (0 = unconditional).
        w_dim: output width.
        num_ws: number of broadcast copies of w.
        num_layers: number of fully connected layers.
        embed_features: label embedding width (None = w_dim); fc0 takes ``z_dim + embed_features``.
        layer_features: hidden width (None = w_dim).
        activation: 'lrelu' or 'linear'.
        lr_multiplier: learning-rate multiplier of the fc layers (0.01 in StyleGAN2).
        w_avg_beta: decay of the ``w_avg`` moving average, updated in training mode
            (None = never updated; the buffer still exists and stays as loaded).
    """

    def __init__(self, z_dim: int, c_dim: int, w_dim: int, num_ws: int, num_layers: int = 8,
                 embed_features: int | None = None, layer_features: int | None = None,
                 activation: str = 'lrelu', lr_multiplier: float = 0.01,
                 w_avg_beta: float | None = 0.995) -> None:
        super().__init__()
        if z_dim == 0 and c_dim == 0:
            raise ValueError('the mapping network needs z_dim > 0 or c_dim > 0')
        self.z_dim = z_dim
        self.c_dim = c_dim
        self.w_dim = w_dim
        self.num_ws = num_ws
        self.num_layers = num_layers
        self.w_avg_beta = w_avg_beta
        embed_features = 0 if c_dim == 0 else (w_dim if embed_features is None else embed_features)
        layer_features = w_dim if layer_features is None else layer_features
        widths = [z_dim + embed_features] + [layer_features] * (num_layers - 1) + [w_dim]
        if c_dim > 0:
            self.embed = FullyConnectedLayer(c_dim, embed_features)
        for idx in range(num_layers):
            setattr(self, f'fc{idx}', FullyConnectedLayer(
                widths[idx], widths[idx + 1], activation=activation, lr_multiplier=lr_multiplier))
        self.register_buffer('w_avg', torch.zeros([w_dim]))

    def forward(self, z: torch.Tensor | None, c: torch.Tensor | None = None,
                truncation_psi: float = 1.0, truncation_cutoff: int | None = None,
                skip_w_avg_update: bool = False) -> torch.Tensor:
        """Map latents to ws.

        Args:
            z: (N, z_dim) latents.
            c: (N, c_dim) labels, required when c_dim > 0.
            truncation_psi: ws = w_avg + psi * (ws - w_avg); 1 = no truncation.
            truncation_cutoff: truncate only the first ``cutoff`` ws (None = all).
            skip_w_avg_update: do not update ``w_avg`` even in training mode.

        Returns:
            (N, num_ws, w_dim) ws.
        """
        x = None
        if self.z_dim > 0:
            if z is None or z.ndim != 2 or z.shape[1] != self.z_dim:
                raise ValueError(f'z must be (N, {self.z_dim}), got '
                                 f'{None if z is None else tuple(z.shape)}')
            x = normalize_2nd_moment(z.float())
        if self.c_dim > 0:
            if c is None or c.ndim != 2 or c.shape[1] != self.c_dim:
                raise ValueError(f'this generator is conditional: c must be (N, {self.c_dim}), '
                                 f'got {None if c is None else tuple(c.shape)}')
            y = normalize_2nd_moment(self.embed(c.float()))
            x = y if x is None else torch.cat([x, y], dim=1)
        for idx in range(self.num_layers):
            x = getattr(self, f'fc{idx}')(x)  # (N, w_dim) after the last layer
        if self.w_avg_beta is not None and self.training and not skip_w_avg_update:
            self.w_avg.copy_(x.detach().float().mean(dim=0).lerp(self.w_avg, self.w_avg_beta))
        ws = x.unsqueeze(1).repeat([1, self.num_ws, 1])  # (N, num_ws, w_dim)
        return truncate(ws, self.w_avg, truncation_psi, truncation_cutoff)


def truncate(ws: torch.Tensor, w_avg: torch.Tensor, psi: float = 1.0,
             cutoff: int | None = None) -> torch.Tensor:
    """Truncation trick: ``w_avg + psi * (ws - w_avg)`` on the first ``cutoff`` ws (all if None).

    Args:
        ws: (N, num_ws, w_dim).
        w_avg: (w_dim,).

    Returns:
        (N, num_ws, w_dim), a new tensor when ``psi != 1``.
    """
    if psi == 1:
        return ws
    if cutoff is None:
        return w_avg.lerp(ws, psi)
    ws = ws.clone()
    ws[:, :cutoff] = w_avg.lerp(ws[:, :cutoff], psi)
    return ws
