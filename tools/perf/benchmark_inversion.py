"""Benchmark GAN inversion: PSNR after K steps from w_avg vs from the trained encoder's estimate.

Usage:
    python tools/perf/benchmark_inversion.py [--resolution 16] [--train-iters 400] [--batch-size 16]
        [--images 8] [--steps 0 25 50 100 200] [--work-dir work_dirs/benchmark_inversion]
        [--write-docs docs/benchmarks.md]

A seeded random StyleGAN2 of the given resolution (channels <= 32, w_dim 32) stands in for a
trained one; the encoder config ``configs/inversion/encoder_r18-like_1xb16-2k_toy-faces-64x64.py``
is trained on it with the MMEngine Runner for ``--train-iters`` iterations; the targets are
``--images`` generator samples of held-out seeds (untruncated, unmixed). Each start is then
optimised with the projector schedule, MSE only (a random generator gives LPIPS nothing to
measure), at equal step counts. ``--write-docs`` replaces the "## Inversion" section of that
file (other sections are kept).
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import time

import numpy as np
import torch
from mmengine.config import Config
from mmengine.runner import Runner

import mmdsgan  # noqa: F401  registers modules and safe checkpoint loading
from mmdsgan.models.generators import Generator, estimate_w_avg, save_generator
from mmdsgan.models.inversion import optimize_latents
from mmdsgan.models.inversion.inverter import psnr_uint8, to_uint8_images

ENCODER_CONFIG = 'configs/inversion/encoder_r18-like_1xb16-2k_toy-faces-64x64.py'
HELD_OUT_SEED = 10_000_000  # far above the training seeds
SECTION = '## Inversion'


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--resolution', type=int, default=16)
    parser.add_argument('--train-iters', type=int, default=400)
    parser.add_argument('--batch-size', type=int, default=16)
    parser.add_argument('--lr', type=float, default=1e-3, help='encoder Adam rate')
    parser.add_argument('--n-iters', type=int, default=2, help='ReStyle passes')
    parser.add_argument('--images', type=int, default=8)
    parser.add_argument('--steps', type=int, nargs='+', default=[0, 25, 50, 100, 200])
    parser.add_argument('--work-dir', default='work_dirs/benchmark_inversion')
    parser.add_argument('--write-docs', default=None, help='markdown file to update')
    return parser.parse_args(argv)


def make_generator(resolution: int, path: str) -> None:
    torch.manual_seed(0)
    G = Generator(z_dim=32, c_dim=0, w_dim=32, img_resolution=resolution,
                  mapping_kwargs=dict(num_layers=4),
                  synthesis_kwargs=dict(channel_base=16 * resolution, channel_max=32))
    G.eval().requires_grad_(False)
    G.mapping.w_avg.copy_(estimate_w_avg(G, num=4096))
    save_generator(G, path)


def train_encoder(args: argparse.Namespace, generator_path: str) -> Runner:
    cfg = Config.fromfile(ENCODER_CONFIG)
    cfg.merge_from_dict({
        'model.generator_checkpoint': generator_path, 'model.n_iters': args.n_iters,
        'train_cfg.max_iters': args.train_iters, 'train_dataloader.batch_size': args.batch_size,
        'optim_wrapper.optimizer.lr': args.lr, 'default_hooks.logger.interval': 50,
        'default_hooks.checkpoint.interval': args.train_iters})
    cfg.work_dir = osp.join(args.work_dir, 'encoder')
    runner = Runner.from_cfg(cfg)
    runner.train()
    return runner


def psnr_table(model, args: argparse.Namespace) -> list[dict]:
    model.eval()
    G = model.generator
    seeds = torch.arange(HELD_OUT_SEED, HELD_OUT_SEED + args.images)
    with torch.no_grad():
        z = torch.stack([torch.randn(G.z_dim, generator=torch.Generator().manual_seed(int(s)))
                         for s in seeds])
        target = G.synthesis(G.mapping(z), noise_mode='const')  # (N, 3, R, R)
    target_u8 = to_uint8_images(target)
    target = torch.from_numpy(target_u8).permute(0, 3, 1, 2).float() / 127.5 - 1
    w_avg = G.w_avg.expand(args.images, G.num_ws, G.w_dim).clone()
    w_enc = model.encode(target)
    starts = [('w_avg, projector (latent weight 0)', w_avg, 0.0),
              ('encoder + optimisation (latent weight 1, HandsOff)', w_enc, 1.0),
              ('encoder + optimisation (latent weight 0)', w_enc, 0.0)]
    rows = []
    for steps in args.steps:
        row = dict(steps=steps)
        for name, start, latent_weight in starts:
            result = optimize_latents(G, target, start, steps=steps, lr=0.1, lpips=None,
                                      mse_weight=1.0, latent_weight=latent_weight)
            recon = to_uint8_images(G.synthesis(result.ws, noise_mode='const'))
            row[name] = float(np.mean(psnr_uint8(recon, target_u8)))
        rows.append(row)
        print(row)
    return rows


def markdown(rows: list[dict], args: argparse.Namespace, train_s: float) -> str:
    names = [k for k in rows[0] if k != 'steps']
    device = 'GPU' if torch.cuda.is_available() else f'CPU, {torch.get_num_threads()} thread(s)'
    lines = [SECTION, '', '```bash',
             f'python tools/perf/benchmark_inversion.py --resolution {args.resolution} '
             f'--train-iters {args.train_iters} --batch-size {args.batch_size} \\',
             f'    --n-iters {args.n_iters} --images {args.images} --steps '
             f'{" ".join(map(str, args.steps))}', '```', '',
             f'{time.strftime("%Y-%m-%d")}, {device}; encoder training took {train_s:.0f} s. '
             f'Random {args.resolution}px',
             f'StyleGAN2 (w_dim 32, <= 32 channels); ReStyle encoder ({args.n_iters} passes) '
             f'trained {args.train_iters} iterations',
             f'x {args.batch_size} generator samples with the MMEngine Runner; targets: '
             f'{args.images} held-out generator samples.',
             'Mean reconstruction PSNR (dB, uint8) after K Adam steps (projector schedule, '
             'lr 0.1, MSE only); K = 0 is the start.', '',
             '| steps K | ' + ' | '.join(names) + ' |', '|---|' + '---|' * len(names)]
    for row in rows:
        lines.append(f'| {row["steps"]} | ' + ' | '.join(f'{row[n]:.2f}' for n in names) + ' |')
    lines += ['', 'Without LPIPS the image term is small next to the latent MSE at weight 1 '
              '(HandsOff\'s weight, set', 'for 10 x LPIPS + MSE), so that column stops near the '
              'encoder\'s estimate; with MSE only, use',
              '`inversion.latent_weight=0` (or small) -- see docs/inversion.md.']
    return '\n'.join(lines) + '\n'


def write_section(path: str, section: str) -> None:
    """Replace this benchmark's section of ``path`` (or append it); other sections stay."""
    text = open(path).read() if osp.isfile(path) else '# Benchmarks\n'
    start = text.find(SECTION + '\n')
    if start < 0:
        text = text.rstrip('\n') + '\n\n' + section
    else:
        end = text.find('\n## ', start + len(SECTION))
        text = text[:start] + section + (text[end + 1:] if end >= 0 else '')
    with open(path, 'w') as f:
        f.write(text)


def main(argv: list[str] | None = None) -> list[dict]:
    args = parse_args(argv)
    os.makedirs(args.work_dir, exist_ok=True)
    generator_path = osp.join(args.work_dir, f'random_g{args.resolution}.pth')
    make_generator(args.resolution, generator_path)
    start = time.time()
    runner = train_encoder(args, generator_path)
    train_s = time.time() - start
    rows = psnr_table(runner.model, args)
    section = markdown(rows, args, train_s)
    print(section)
    if args.write_docs:
        write_section(args.write_docs, section)
    return rows


if __name__ == '__main__':
    main()
