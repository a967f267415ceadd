"""LPIPS (VGG, v0.1), no implicit download: the ``lpips`` package's linear layers + a VGG16 trunk.

``lpips.LPIPS(net='vgg')`` downloads torchvision's ImageNet VGG16 on first use. We build it with
``pnet_rand=True`` (no download), keep the package's calibrated linear layers (shipped in the
wheel), and load the trunk from a torchvision VGG16 state dict: ``lpips_backbone`` when given, else
the torch hub cache file ``$TORCH_HOME/hub/checkpoints/vgg16-397923af.pth`` (``TORCH_HOME`` defaults
to ``~/.cache/torch``). ``lpips_backbone`` may be a URL (:data:`VGG16_URL`, as the real-resolution
configs say): it is downloaded into that cache as torchvision does, once; a file already there is
used without network, and a failed download stops with one line naming the local path. The module is
built on the meta device and every tensor is loaded from files (nothing initialised at random).
torchvision ``features.{i}`` maps to LPIPS ``net.slice{k}.{i}``, slices k = 1..5 over feature
indices 0-3, 4-8, 9-15, 16-22, 23-29. The classifier keys of a full VGG16 file are ignored, so a
``features``-only file works too.
"""
from __future__ import annotations

import os
import os.path as osp
import warnings

import torch
from torch import nn

from mmdsgan.utils.errors import MmdsganError

__all__ = ['LPIPSBackboneError', 'VGG16_FILE', 'VGG16_URL', 'default_lpips_backbone',
           'vgg16_to_lpips_keys', 'fetch_lpips_backbone', 'build_lpips']

VGG16_FILE = 'vgg16-397923af.pth'
VGG16_URL = 'https://download.pytorch.org/models/' + VGG16_FILE
# Last torchvision feature index (exclusive) of each LPIPS VGG slice.
_SLICE_ENDS = (4, 9, 16, 23, 30)


class LPIPSBackboneError(MmdsganError, FileNotFoundError):
    """The VGG16 trunk file for LPIPS is missing or wrong (one-line message with the fix)."""


def default_lpips_backbone() -> str:
    """``$TORCH_HOME/hub/checkpoints/vgg16-397923af.pth`` (torch hub's cache layout)."""
    return osp.join(torch.hub.get_dir(), 'checkpoints', VGG16_FILE)


def vgg16_to_lpips_keys(state_dict: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """torchvision VGG16 ``features.{i}.{weight,bias}`` -> LPIPS ``net.slice{k}.{i}.*``."""
    mapped = {}
    for key, value in state_dict.items():
        parts = key.split('.')
        if parts[0] != 'features' or len(parts) != 3:
            continue  # classifier.*: not part of the LPIPS trunk
        index = int(parts[1])
        slice_k = next(k for k, end in enumerate(_SLICE_ENDS, start=1) if index < end)
        mapped[f'net.slice{slice_k}.{index}.{parts[2]}'] = value
    return mapped


def fetch_lpips_backbone(url: str) -> str:
    """The torch hub cache file of ``url`` (``$TORCH_HOME/hub/checkpoints/<name>``), downloaded
    there first (hash-checked against the name's suffix, as torchvision) when absent."""
    path = osp.join(torch.hub.get_dir(), 'checkpoints', osp.basename(url))
    if osp.isfile(path):
        return path
    os.makedirs(osp.dirname(path), exist_ok=True)
    match = torch.hub.HASH_REGEX.search(osp.basename(url))
    try:
        torch.hub.download_url_to_file(url, path, hash_prefix=match.group(1) if match else None,
                                       progress=False)
    except Exception as err:  # noqa: BLE001  no network, proxy, bad hash: the same fix
        raise LPIPSBackboneError(
            f'could not download the LPIPS VGG16 trunk {url} ({type(err).__name__}: {err}): '
            f'offline, copy the file to {path} or set lpips_backbone=<local file>') from err
    return path


def build_lpips(backbone: str | None = None) -> nn.Module:
    """Frozen ``lpips.LPIPS(net='vgg')`` in eval mode.

    Args:
        backbone: torchvision VGG16 state-dict file, or its URL (downloaded into the torch hub
            cache unless already there, :func:`fetch_lpips_backbone`); None =
            :func:`default_lpips_backbone` (never downloaded).

    Returns:
        The module: ``lpips(x, y)`` with x, y (N, 3, H, W) in [-1, 1] -> (N, 1, 1, 1).

    Raises:
        LPIPSBackboneError: the file is absent or does not hold VGG16 features (one line).
    """
    backbone = os.fspath(backbone) if backbone else None
    if backbone and backbone.startswith(('http://', 'https://')):
        backbone = fetch_lpips_backbone(backbone)
    path = osp.expanduser(backbone) if backbone else default_lpips_backbone()
    if not osp.isfile(path):
        raise LPIPSBackboneError(
            f'LPIPS needs the VGG16 ImageNet weights at {path}: download {VGG16_URL} on a '
            f'connected machine and put it there (or set inversion.lpips_backbone=<file>, or '
            f'inversion.use_lpips=False for MSE only)')
    import lpips

    try:
        state = torch.load(path, map_location='cpu', weights_only=True)
    except Exception as err:  # noqa: BLE001  any unreadable file gets the same one-line fix
        raise LPIPSBackboneError(f'cannot read {path} as a torch state dict ({type(err).__name__}'
                                 f'): replace it with {VGG16_URL}') from err
    trunk = vgg16_to_lpips_keys(state if isinstance(state, dict) else {})
    with warnings.catch_warnings(), torch.device('meta'):  # shapes only: nothing initialised
        warnings.simplefilter('ignore', UserWarning)  # torchvision's "pretrained is deprecated"
        model = lpips.LPIPS(net='vgg', version='0.1', pretrained=False, pnet_rand=True,
                            verbose=False)
    expected = {k: v.shape for k, v in model.state_dict().items() if k.startswith('net.')}
    wrong = sorted(k for k in expected if k not in trunk or trunk[k].shape != expected[k])
    if wrong:
        raise LPIPSBackboneError(f'{path} is not a torchvision VGG16 state dict ({len(wrong)} '
                                 f'trunk tensors missing or misshapen, e.g. {wrong[0]}): '
                                 f'replace it with {VGG16_URL}')
    model = model.to_empty(device='cpu')
    # Every tensor is loaded (strict): the trunk, the package's calibrated linear layers (also
    # reachable as lins.{k}) and the constant input scaling.
    lins = torch.load(osp.join(osp.dirname(lpips.__file__), 'weights', 'v0.1', 'vgg.pth'),
                      map_location='cpu', weights_only=True)
    lins.update({f'lins.{key[3]}{key[4:]}': value for key, value in list(lins.items())})
    scaling = lpips.lpips.ScalingLayer().state_dict(prefix='scaling_layer.')
    model.load_state_dict({**trunk, **lins, **scaling}, strict=True)
    return model.eval().requires_grad_(False)
