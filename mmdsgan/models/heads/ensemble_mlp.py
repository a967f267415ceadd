"""An ensemble of M small MLPs evaluated as one batched module (pure torch).

Member m is ``Linear(C, H1) - ReLU - BN(H1) - [Dropout] - Linear(H1, H2) - ReLU - BN(H2) -
[Dropout] - Linear(H2, K)`` (DatasetGAN's pixel classifier: BN after ReLU). The M members' weights
are stacked as (M, in, out) and applied with one ``torch.baddbmm``; the M BatchNorms are one
``BatchNorm1d`` over M * width channels, so member m normalises with its own statistics.
"""
from __future__ import annotations

from typing import Sequence

import torch
import torch.nn.functional as F
from torch import nn

__all__ = ['EnsembleLinear', 'EnsembleBatchNorm', 'EnsembleMLP', 'default_hidden_dims']

INIT_STD = 0.02  # DatasetGAN's init: weights N(0, 0.02), biases 0


def default_hidden_dims(num_outputs: int) -> tuple[int, int]:
    """DatasetGAN's widths: (128, 32) below 32 outputs, (256, 128) from 32 up."""
    return (128, 32) if num_outputs < 32 else (256, 128)


class EnsembleLinear(nn.Module):
    """M independent linear layers.

    Args:
        num_members: M.
        in_features: input width.
        out_features: output width.

    Shapes: input (M, P, in_features) -> output (M, P, out_features).
    """

    def __init__(self, num_members: int, in_features: int, out_features: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.empty(num_members, in_features, out_features))
        self.bias = nn.Parameter(torch.empty(num_members, out_features))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.normal_(self.weight, 0.0, INIT_STD)
        nn.init.zeros_(self.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.baddbmm(self.bias.unsqueeze(1), x, self.weight)  # (M, P, out)


class EnsembleBatchNorm(nn.BatchNorm1d):
    """M independent ``BatchNorm1d(num_features)``, stored as one over M * num_features channels.

    Shapes: input (M, P, num_features) -> output of the same shape. Channel ``m * F + f`` of the
    underlying BatchNorm is feature f of member m.
    """

    def __init__(self, num_members: int, num_features: int, **kwargs) -> None:
        super().__init__(num_members * num_features, **kwargs)
        self.num_members = num_members
        self.member_features = num_features

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        members, pixels, width = x.shape
        y = super().forward(x.transpose(0, 1).reshape(pixels, members * width))  # (P, M*F)
        return y.view(pixels, members, width).transpose(0, 1)  # (M, P, F)


class EnsembleMLP(nn.Module):
    """M MLPs of identical shape, batched.

    Args:
        in_features: C, the per-pixel feature width.
        out_features: K, outputs per pixel (classes, 1 for depth, keypoints for heatmaps).
        num_members: M.
        hidden_dims: hidden widths; ``None`` = :func:`default_hidden_dims` (K).
        norm: ``'bn'`` (BatchNorm after each ReLU) or ``None``.
        dropout: dropout probability after each hidden norm (0 = none, as DatasetGAN).

    Shapes: ``forward`` (M, P, C) -> (M, P, K). ``forward_hidden`` continues from the output of
    the first linear layer, (M, P, H1) -> (M, P, K), so the first layer can be applied elsewhere
    (e.g. per feature map at its own resolution); ``forward_hidden_maps`` does the same in
    channel layout, (N, M, H1, L) -> (N, M, K, L).
    """

    def __init__(self, in_features: int, out_features: int, num_members: int = 10,
                 hidden_dims: Sequence[int] | None = None, norm: str | None = 'bn',
                 dropout: float = 0.0) -> None:
        super().__init__()
        if norm not in ('bn', None):
            raise ValueError(f'EnsembleMLP: norm must be "bn" or None, got {norm!r}')
        hidden_dims = tuple(default_hidden_dims(out_features) if hidden_dims is None
                            else hidden_dims)
        if not hidden_dims:
            raise ValueError('EnsembleMLP: hidden_dims needs at least one width')
        widths = (in_features, *hidden_dims, out_features)
        self.num_members = num_members
        self.hidden_dims = hidden_dims
        self.linears = nn.ModuleList(
            EnsembleLinear(num_members, a, b) for a, b in zip(widths[:-1], widths[1:]))
        self.norms = nn.ModuleList(
            EnsembleBatchNorm(num_members, w) if norm == 'bn' else nn.Identity()
            for w in hidden_dims)
        self.dropout = dropout

    @property
    def first(self) -> EnsembleLinear:
        """The first linear layer (weight (M, C, H1), bias (M, H1))."""
        return self.linears[0]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.forward_hidden(self.first(x))

    def forward_hidden(self, h: torch.Tensor) -> torch.Tensor:
        for norm, linear in zip(self.norms, self.linears[1:]):
            h = norm(F.relu(h))
            h = F.dropout(h, self.dropout, self.training)
            h = linear(h)
        return h  # (M, P, K)

    def forward_hidden_maps(self, h: torch.Tensor, buffers=None) -> torch.Tensor:
        """``forward_hidden`` in channel layout: (N, M, H1, L) -> (N, M, K, L), for L pixels
        of N images (the labeling path, which gets the first layer's output in this layout).

        In eval mode without autograd each BatchNorm is folded into the linear layer after it
        (equal up to float rounding) and ``h`` is overwritten (ReLU in place), so no per-pixel
        temporary wider than the next layer is made. Otherwise (training, or grad enabled) it
        is ``forward_hidden`` on the permuted pixels. ``buffers`` (eval path): an object whose
        ``get(name, shape, like)`` returns reusable scratch tensors (e.g.
        :class:`~mmdsgan.models.heads.band_projection.Buffers`) for the hidden outputs; the
        returned tensor then lives in it until the next call.
        """
        n, members, width, pixels = h.shape
        if self.training or torch.is_grad_enabled():
            out = self.forward_hidden(h.permute(1, 0, 3, 2).reshape(members, n * pixels, width))
            return out.view(members, n, pixels, -1).permute(1, 0, 3, 2)  # (N, M, K, L)
        for i, (weight_t, bias) in enumerate(self.folded_layers()):
            out = (None if buffers is None else
                   buffers.get(f'mlp{i}', (n, members, weight_t.shape[1], pixels), h))
            h = torch.matmul(weight_t, h.relu_(), out=out).add_(bias[:, :, None])  # (N,M,out,L)
        return h

    @torch.no_grad()
    def folded_layers(self) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """The layers after the first, each with the eval-mode BatchNorm before it folded in:
        ``Linear(BN(x)) = x @ (s * W) + (t @ W + b)`` with ``s = gamma / sqrt(var + eps)``,
        ``t = beta - mean * s``.

        Returns:
            ``[(weight_t (M, out, in), bias (M, out)), ...]``, one per layer after the first.
        """
        layers = []
        for norm, linear in zip(self.norms, self.linears[1:]):
            weight, bias = linear.weight, linear.bias  # (M, in, out), (M, out)
            if isinstance(norm, EnsembleBatchNorm):
                members, width = self.num_members, norm.member_features
                scale = norm.weight / torch.sqrt(norm.running_var + norm.eps)
                shift = (norm.bias - norm.running_mean * scale).view(members, width)
                bias = bias + torch.einsum('mi,mio->mo', shift, weight)
                weight = weight * scale.view(members, width, 1)
            layers.append((weight.transpose(1, 2).contiguous(), bias))
        return layers

    @torch.no_grad()
    def member(self, m: int) -> nn.Sequential:
        """Member ``m`` as a plain ``nn.Sequential`` of Linear/ReLU/BatchNorm1d (a copy).

        The reference against which the batched paths are tested; also handy for export.
        """
        layers: list[nn.Module] = []
        for i, linear in enumerate(self.linears):
            if i > 0:
                layers.append(nn.ReLU())
                norm = self.norms[i - 1]
                if isinstance(norm, EnsembleBatchNorm):
                    layers.append(_member_batchnorm(norm, m))
                if self.dropout:
                    layers.append(nn.Dropout(self.dropout))
            plain = nn.Linear(*linear.weight.shape[1:])
            plain.weight.copy_(linear.weight[m].t())
            plain.bias.copy_(linear.bias[m])
            layers.append(plain)
        return nn.Sequential(*layers).train(self.training)


def _member_batchnorm(norm: EnsembleBatchNorm, m: int) -> nn.BatchNorm1d:
    """Member ``m``'s slice of an :class:`EnsembleBatchNorm` as a plain BatchNorm1d."""
    width = norm.member_features
    part = slice(m * width, (m + 1) * width)
    plain = nn.BatchNorm1d(width, eps=norm.eps, momentum=norm.momentum)
    plain.weight.copy_(norm.weight[part])
    plain.bias.copy_(norm.bias[part])
    plain.running_mean.copy_(norm.running_mean[part])
    plain.running_var.copy_(norm.running_var[part])
    plain.num_batches_tracked.copy_(norm.num_batches_tracked)
    return plain
