"""Throughput of labeled generation against the generator alone.

Usage:
    python tools/perf/benchmark_generation.py [--resolutions 256 512] [--batch-size 8]
        [--members 10] [--classes 8] [--repeats 2] [--warmup 1] [--device cpu|cuda]

For each resolution this builds a random config-f-like StyleGAN2: z/w 512, 8 mapping layers,
channel_base 32768, channel_max 512. It times two things, on whole batches of ``--batch-size``
seeds:

- generator only: mapping + synthesis, no features (images/s);
- labeled: :class:`SyntheticLabeler`, i.e. mapping + synthesis with all conv features + the
  ``--members``-member interpreter head (label map, Jensen-Shannon uncertainty, score),
  including the copy to host memory (images/s).

Each figure is the mean over ``--repeats`` timed batches after ``--warmup`` untimed ones.
Writing files is not included. The output is a Markdown table for docs/benchmarks.md.
"""
from __future__ import annotations

import argparse

import torch
from mmengine.config import Config

import mmdsgan  # noqa: F401  registers the modules
from mmdsgan.models.generators import z_from_seeds
from mmdsgan.models.labeling import SyntheticLabeler, build_interpreter


import perf_common as common  # tools/perf/perf_common.py: a script's folder is on sys.path


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--resolutions', type=int, nargs='+', default=[256, 512])
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--members', type=int, default=10)
    parser.add_argument('--classes', type=int, default=8)
    parser.add_argument('--repeats', type=int, default=2)
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    return parser.parse_args(argv)


def interpreter_config(resolution: int, members: int, classes: int) -> Config:
    return Config(dict(model=dict(
        type='DatasetGANInterpreter',
        backbone=dict(type='StyleGAN2FeatureBackbone',
                      generator=common.config_f(resolution)),
        head=dict(type='InterpreterEnsembleHead', num_classes=classes, task='seg',
                  num_members=members))))


def images_per_second(fn, batch_size: int, warmup: int, repeats: int,
                      device: torch.device) -> float:
    return batch_size * repeats / common.time_calls(fn, warmup, repeats, device)


@torch.no_grad()
def benchmark(resolution: int, args: argparse.Namespace) -> dict:
    device = torch.device(args.device)
    model = build_interpreter(interpreter_config(resolution, args.members, args.classes), None,
                              device)
    labeler = SyntheticLabeler(model, 0.7, None, args.batch_size)
    G = labeler.generator
    b = args.batch_size

    def generator_only(step: int) -> None:
        z = z_from_seeds(range(step * b, step * b + b), G.z_dim).to(device)  # (B, z_dim)
        img = G.synthesis(G.mapping(z, None, truncation_psi=0.7), noise_mode='const')
        img.clamp(-1, 1).cpu()  # (B, 3, R, R)

    def labeled(step: int) -> None:
        labeler.label_seeds(range(step * b, step * b + b))

    gen = images_per_second(generator_only, b, args.warmup, args.repeats, device)
    lab = images_per_second(labeled, b, args.warmup, args.repeats, device)
    return dict(resolution=resolution, feature_dim=sum(model.backbone.feature_channels),
                generator=gen, labeled=lab)


def main(argv: list[str] | None = None) -> list[dict]:
    args = parse_args(argv)
    print(f'device {args.device}, {torch.get_num_threads()} threads, batch {args.batch_size}, '
          f'{args.members}-member head, {args.classes} classes, {args.warmup} warm-up + '
          f'{args.repeats} timed batches\n')
    print('| resolution | hypercolumn dims | generator only (img/s) | labeled (img/s) | '
          'labeled / generator |')
    print('| --- | --- | --- | --- | --- |', flush=True)
    rows = []
    for resolution in args.resolutions:  # one row as soon as it is measured
        row = benchmark(resolution, args)
        rows.append(row)
        print(f'| {row["resolution"]}² | {row["feature_dim"]} | {row["generator"]:.3f} | '
              f'{row["labeled"]:.3f} | {row["labeled"] / row["generator"]:.2f} |', flush=True)
    return rows


if __name__ == '__main__':
    main()
