"""Export the EMA generator during GAN training: generator files for the rest of mmdsgan and a
sample grid to look at."""
from __future__ import annotations

import math
import os
import os.path as osp
from typing import Sequence

import numpy as np
import torch
from mmengine.dist import master_only
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmengine.model import is_model_wrapper
from PIL import Image
from mmseg.registry import HOOKS

from mmdsgan.models.generators.seeds import z_from_seeds
from mmdsgan.models.generators import save_generator

__all__ = ['GeneratorExportHook', 'image_grid']


def image_grid(images: torch.Tensor, nrow: int) -> np.ndarray:
    """(N, C, H, W) images in [-1, 1] -> (rows * H, nrow * W, C) uint8, row-major, black fill."""
    n, c, h, w = images.shape
    rows = math.ceil(n / nrow)
    pixels = ((images.detach().float().cpu().clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)
    grid = torch.zeros(rows * nrow, c, h, w, dtype=torch.uint8)
    grid[:n] = pixels
    grid = grid.reshape(rows, nrow, c, h, w).permute(0, 3, 1, 4, 2)  # (rows, H, nrow, W, C)
    return grid.reshape(rows * h, nrow * w, c).numpy()


@HOOKS.register_module()
class GeneratorExportHook(Hook):
    """Every ``interval`` iterations and after training, write the EMA generator with
    :func:`~mmdsgan.models.generators.save_generator` (atomic) to
    ``work_dir/generator_ema_iter_<n>.pth`` and ``work_dir/generator_ema_latest.pth``, and a grid
    of samples for fixed seeds to ``work_dir/samples_iter_<n>.png``. Only the main process
    writes. The full training state (for ``--resume``) is the ``CheckpointHook``'s job.

    Args:
        interval: iterations between exports (<= 0: only after training).
        module_name: attribute of the model holding the generator to export.
        num_samples: images in the grid (seeds ``seed .. seed + num_samples - 1``).
        nrow: images per grid row (None: ``ceil(sqrt(num_samples))``).
        seed: first seed of the grid.
        truncation_psi: truncation of the grid samples (the exported file is not truncated).
        keep_iter_files: keep every ``generator_ema_iter_<n>.pth`` (False: only the latest).
    """

    priority = 'LOW'

    def __init__(self, interval: int = 1000, module_name: str = 'generator_ema',
                 num_samples: int = 16, nrow: int | None = None, seed: int = 0,
                 truncation_psi: float = 1.0, keep_iter_files: bool = True) -> None:
        if num_samples < 1:
            raise ValueError(f'GeneratorExportHook: num_samples must be >= 1, got {num_samples}')
        self.interval = interval
        self.module_name = module_name
        self.seeds: Sequence[int] = list(range(seed, seed + num_samples))
        self.nrow = nrow or math.ceil(math.sqrt(num_samples))
        self.truncation_psi = truncation_psi
        self.keep_iter_files = keep_iter_files
        self.last_exported: int | None = None

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if self.interval > 0 and self.every_n_train_iters(runner, self.interval):
            self.export(runner, runner.iter + 1)  # runner.iter counts from 0 inside the iteration

    def after_train(self, runner) -> None:
        if self.last_exported != runner.iter:
            self.export(runner, runner.iter)

    def _generator(self, runner) -> torch.nn.Module:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        G = getattr(model, self.module_name, None)
        if G is None or not hasattr(G, 'init_kwargs'):
            raise AttributeError(f'GeneratorExportHook: the model {type(model).__name__} has no '
                                 f'generator attribute {self.module_name!r}; set module_name '
                                 f'to the attribute holding the (EMA) Generator')
        return G

    @master_only
    def export(self, runner, n: int) -> None:
        """Write the generator files and the sample grid after ``n`` training iterations."""
        G = self._generator(runner)
        iter_path = osp.join(runner.work_dir, f'generator_ema_iter_{n}.pth')
        save_generator(G, iter_path)
        save_generator(G, osp.join(runner.work_dir, 'generator_ema_latest.pth'))
        previous = (None if self.last_exported is None else
                    osp.join(runner.work_dir, f'generator_ema_iter_{self.last_exported}.pth'))
        if not self.keep_iter_files and previous and previous != iter_path and \
                osp.exists(previous):
            os.remove(previous)
        self._write_samples(G, osp.join(runner.work_dir, f'samples_iter_{n}.png'))
        self.last_exported = n
        print_log(f'GeneratorExportHook: wrote {iter_path} and samples_iter_{n}.png',
                  logger='current')

    @torch.no_grad()
    def _write_samples(self, G: torch.nn.Module, path: str) -> None:
        z = z_from_seeds(self.seeds, G.z_dim).to(G.w_avg.device)  # (N, z_dim)
        ws = G.mapping(z, None, truncation_psi=self.truncation_psi, skip_w_avg_update=True)
        images = G.synthesis(ws, noise_mode='const')  # (N, C, R, R)
        grid = image_grid(images, self.nrow)
        tmp = osp.join(osp.dirname(path), f'.{osp.basename(path)}.tmp{os.getpid()}.png')
        Image.fromarray(grid if grid.shape[2] > 1 else grid[..., 0]).save(tmp)
        os.replace(tmp, path)
