"""The tiny random networks of the test suite, defined once: StyleGAN2 generators (8-64 px, a few
thousand parameters) and the tiny interpreter (a config plus a checkpoint of its random head).

Imported by the conftests and tests as ``from tiny_models import ...`` (``tests/`` is on
``sys.path``: pytest puts the folder of the rootless ``tests/conftest.py`` there).

Tests assert exact numbers computed from these weights, so each caller names the settings it was
written against (resolution, channels, seed, noise strengths, w_avg, ...). The factories apply
them in one fixed order: the same arguments always give bit-identical weights and leave the
global torch RNG in the same state.
"""
from __future__ import annotations

import contextlib
import copy
from pathlib import Path

import torch


def tiny_generator_kwargs(img_resolution: int = 16, *, z_dim: int = 16, w_dim: int = 16,
                          mapping_layers: int = 2, channel_base: int = 256,
                          channel_max: int = 16, img_channels: int | None = None,
                          **synthesis_kwargs) -> dict:
    """``Generator`` kwargs of a tiny unconditional generator (a new dict on every call).

    Defaults: 16 px, z_dim = w_dim = 16, 2 mapping layers, channels ``min(256 // res, 16)``.
    ``img_channels`` is only written when given (else the ``Generator`` default, 3); further
    keywords go to ``synthesis_kwargs`` (e.g. ``conv_clamp=1.0``).
    """
    kwargs = dict(z_dim=z_dim, c_dim=0, w_dim=w_dim, img_resolution=img_resolution)
    if img_channels is not None:
        kwargs['img_channels'] = img_channels
    kwargs['mapping_kwargs'] = dict(num_layers=mapping_layers)
    kwargs['synthesis_kwargs'] = dict(channel_base=channel_base, channel_max=channel_max,
                                      **synthesis_kwargs)
    return kwargs


def make_tiny_generator(kwargs: dict | None = None, seed: int = 0, *,
                        noise_strength: float | None = None, bias_std: float = 0.0,
                        w_avg: str = 'zero', w_avg_samples: int = 1024,
                        isolate_rng: bool = False, frozen: bool = False):
    """A random generator in eval mode: ``torch.manual_seed(seed)``, ``Generator(**kwargs)``
    (default :func:`tiny_generator_kwargs`), then, in this order:

    - ``noise_strength``: every noise strength set to it (``None``: left at 0);
    - ``bias_std``: ``bias_std * randn`` added to every bias, in ``named_parameters`` order
      (visible structure in the images);
    - ``w_avg``: ``'zero'`` (as constructed), ``'normal'`` (a standard normal draw) or
      ``'estimate'`` (``estimate_w_avg`` over ``w_avg_samples`` seeded z, its own RNG).

    ``isolate_rng``: draw inside ``torch.random.fork_rng``, so the global RNG is left as it was.
    ``frozen``: ``requires_grad_(False)`` on every parameter.
    """
    from mmdsgan.models.generators import Generator, estimate_w_avg

    if w_avg not in ('zero', 'normal', 'estimate'):
        raise ValueError(f"w_avg must be 'zero', 'normal' or 'estimate', not {w_avg!r}")
    kwargs = tiny_generator_kwargs() if kwargs is None else kwargs
    rng = torch.random.fork_rng(devices=[]) if isolate_rng else contextlib.nullcontext()
    with rng:
        torch.manual_seed(seed)
        G = Generator(**copy.deepcopy(kwargs))
        with torch.no_grad():
            for name, p in G.named_parameters():
                if noise_strength is not None and name.endswith('noise_strength'):
                    p.fill_(noise_strength)
                elif bias_std and name.endswith('bias'):
                    p.add_(bias_std * torch.randn_like(p))
            if w_avg == 'normal':
                G.mapping.w_avg.normal_()
    G.eval()
    if frozen:
        G.requires_grad_(False)
    if w_avg == 'estimate':
        G.mapping.w_avg.copy_(estimate_w_avg(G, num=w_avg_samples))
    return G


def write_tiny_interpreter(config: str | Path, work_dir: str | Path,
                           cfg_options: dict | None = None, *, seed: int | None = None,
                           head_gain: float | None = None,
                           last_checkpoint: bool = False) -> dict:
    """Build the interpreter of ``config`` (+ ``cfg_options``) with an untrained head and save it
    as ``work_dir/iter_1.pth`` (``state_dict`` + ``meta.iter = 1``):
    ``dict(config=str, checkpoint=str)``.

    ``seed``: ``torch.manual_seed`` before the build (``None``: the global RNG as it is).
    ``head_gain``: redraw every head parameter with 2+ dims ``p`` from
    ``N(0, head_gain / sqrt(p.shape[-2]))`` (the fan-in of the ``(M, in, out)`` weights; the
    ``(M, out)`` biases too), so that labels and ensemble members vary. ``last_checkpoint``:
    also write MMEngine's ``work_dir/last_checkpoint`` naming it.
    """
    from mmdsgan.models.labeling import build_interpreter
    from mmdsgan.utils.config import load_config

    cfg = load_config(str(config), cfg_options)
    if seed is not None:
        torch.manual_seed(seed)
    model = build_interpreter(cfg, None)
    if head_gain is not None:
        with torch.no_grad():
            for p in model.head.parameters():
                if p.ndim > 1:
                    p.normal_(0, head_gain / p.shape[-2] ** 0.5)
    checkpoint = Path(work_dir) / 'iter_1.pth'
    checkpoint.parent.mkdir(parents=True, exist_ok=True)
    torch.save(dict(state_dict=model.state_dict(), meta=dict(iter=1)), checkpoint)
    if last_checkpoint:
        (checkpoint.parent / 'last_checkpoint').write_text(str(checkpoint))
    return dict(config=str(config), checkpoint=str(checkpoint))
