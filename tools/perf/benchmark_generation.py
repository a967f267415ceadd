"""Throughput of labeled generation against the generator alone, with a per-stage profile.

Usage:
    python tools/perf/benchmark_generation.py [--resolutions 256 512] [--batch-size 8]
        [--members 10] [--classes 8] [--repeats 2] [--warmup 1] [--chunk-pixels N]
        [--no-profile] [--device cpu|cuda]

For each resolution this builds a random config-f-like StyleGAN2: z/w 512, 8 mapping layers,
channel_base 32768, channel_max 512. On whole batches of ``--batch-size`` seeds it times, side
by side (alternating batches, so both see the same machine load):

- generator only: mapping + synthesis, no features, image copied to host (images/s);
- labeled: :class:`SyntheticLabeler`, i.e. mapping + synthesis with all conv features + the
  ``--members``-member interpreter head (label map, Jensen-Shannon uncertainty, score),
  including the copy to host memory (images/s). Writing files is not included here.

The ratio labeled / generator is given from wall time and from this process's CPU time; on a
machine shared with other jobs, run with one thread (``OMP_NUM_THREADS=1``) and read the CPU-time
ratio, which other processes taking turns on the cores do not distort.

Each figure is the mean over ``--repeats`` timed batches after ``--warmup`` untimed ones. Then
one more labeled batch runs under ``torch.profiler`` and is written to a temporary folder with
the generation tool's writer; the time of each labeling stage (:mod:`mmdsgan.utils.profiling`:
mapping, synthesis, projection, resampling, mlp, vote, uncertainty, image, to_host, write) is
printed in milliseconds and as a share of that batch. The output is Markdown for
docs/benchmarks.md; the peak resident memory of the process is printed at the end.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time

import torch
from mmengine.config import Config
from torch.profiler import ProfilerActivity, profile

import mmdsgan  # noqa: F401  registers the modules
from mmdsgan.datasets.synthetic.sample_files import SampleWriter
from mmdsgan.models.generators import z_from_seeds
from mmdsgan.models.labeling import SyntheticLabeler, build_interpreter
from mmdsgan.tasks.seg import default_palette
from mmdsgan.utils.profiling import LABELING_STAGES, STAGE_PREFIX, stage

import perf_common as common  # tools/perf/perf_common.py: a script's folder is on sys.path


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--resolutions', type=int, nargs='+', default=[256, 512])
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--members', type=int, default=10)
    parser.add_argument('--classes', type=int, default=8)
    parser.add_argument('--repeats', type=int, default=2)
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--chunk-pixels', type=int, default=None,
                        help="the head's band size (default: the head's default)")
    parser.add_argument('--no-profile', action='store_true',
                        help='skip the per-stage profile of one labeled batch')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    return parser.parse_args(argv)


def interpreter_config(resolution: int, members: int, classes: int,
                       chunk_pixels: int | None) -> Config:
    head = dict(type='InterpreterEnsembleHead', num_classes=classes, task='seg',
                num_members=members)
    if chunk_pixels is not None:
        head['chunk_pixels'] = chunk_pixels
    return Config(dict(model=dict(
        type='DatasetGANInterpreter',
        backbone=dict(type='StyleGAN2FeatureBackbone', generator=common.config_f(resolution)),
        head=head)))


def side_by_side(fns: dict, warmup: int, repeats: int, device: torch.device) -> dict:
    """Wall and process-CPU seconds per call of each function, calls alternating between them
    (step r of each function gets argument r; warm-up calls get 0).

    Returns:
        ``{name: (wall_s, cpu_s)}``. CPU time (all threads of this process) does not count the
        time other processes hold the cores: on a shared machine with one torch thread it is
        the steadier measure of the work.
    """
    for _ in range(warmup):
        for fn in fns.values():
            fn(0)
    totals = {name: [0.0, 0.0] for name in fns}
    for r in range(repeats):
        for name, fn in fns.items():
            common.sync(device)
            wall, cpu = time.perf_counter(), time.process_time()
            fn(r + 1)
            common.sync(device)
            totals[name][0] += time.perf_counter() - wall
            totals[name][1] += time.process_time() - cpu
    return {name: (wall / repeats, cpu / repeats) for name, (wall, cpu) in totals.items()}


def profile_batch(labeler: SyntheticLabeler, seeds: list[int], classes: int) -> dict:
    """Milliseconds per labeling stage of one batch, its files written to a temporary folder."""
    with tempfile.TemporaryDirectory() as root:
        writer = SampleWriter(root, 'train', 'seg', default_palette(classes))
        for folder in writer.folders():
            os.makedirs(folder, exist_ok=True)
        start = time.perf_counter()
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            batch = labeler.label_seeds(seeds)
            for j, seed in enumerate(batch.seeds):
                with stage('write'):
                    writer.write(int(seed), batch.images[j], batch.labels[j],
                                 batch.uncertainty[j], batch.ws[j])
        total_ms = (time.perf_counter() - start) * 1e3
    times = dict.fromkeys(LABELING_STAGES, 0.0)
    for event in prof.key_averages():
        if event.key.startswith(STAGE_PREFIX):
            times[event.key[len(STAGE_PREFIX):]] += event.cpu_time_total / 1e3
    times['other'] = max(total_ms - sum(times.values()), 0.0)
    return dict(stages=times, total_ms=total_ms)


@torch.no_grad()
def benchmark(resolution: int, args: argparse.Namespace) -> dict:
    device = torch.device(args.device)
    model = build_interpreter(
        interpreter_config(resolution, args.members, args.classes, args.chunk_pixels), None,
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

    seconds = side_by_side(dict(generator=generator_only, labeled=labeled), args.warmup,
                           args.repeats, device)
    row = dict(resolution=resolution, feature_dim=sum(model.backbone.feature_channels),
               generator=b / seconds['generator'][0], labeled=b / seconds['labeled'][0],
               cpu_ratio=seconds['generator'][1] / seconds['labeled'][1])
    if not args.no_profile:
        row['profile'] = profile_batch(labeler, list(range(10 ** 6, 10 ** 6 + b)),
                                       args.classes)
    return row


def print_profile(rows: list[dict]) -> None:
    rows = [r for r in rows if 'profile' in r]
    if not rows:
        return
    print('\n| stage | ' + ' | '.join(f'{r["resolution"]}² ms | share' for r in rows) + ' |')
    print('| --- |' + ' --- | --- |' * len(rows))
    for name in (*LABELING_STAGES, 'other'):
        cells = []
        for r in rows:
            ms, total = r['profile']['stages'][name], r['profile']['total_ms']
            cells.append(f'{ms:.0f} | {100 * ms / total:.1f}%')
        print(f'| {name} | ' + ' | '.join(cells) + ' |')
    print('| **batch total** | ' + ' | '.join(f'{r["profile"]["total_ms"]:.0f} | 100%'
                                             for r in rows) + ' |', flush=True)


def main(argv: list[str] | None = None) -> list[dict]:
    args = parse_args(argv)
    print(f'device {args.device}, {torch.get_num_threads()} threads, batch {args.batch_size}, '
          f'{args.members}-member head, {args.classes} classes, {args.warmup} warm-up + '
          f'{args.repeats} timed batches each, alternating\n')
    print('| resolution | hypercolumn dims | generator only (img/s) | labeled (img/s) | '
          'labeled / generator | same, by CPU time |')
    print('| --- | --- | --- | --- | --- | --- |', flush=True)
    rows = []
    for resolution in args.resolutions:  # one row as soon as it is measured
        row = benchmark(resolution, args)
        rows.append(row)
        print(f'| {row["resolution"]}² | {row["feature_dim"]} | {row["generator"]:.3f} | '
              f'{row["labeled"]:.3f} | {row["labeled"] / row["generator"]:.2f} | '
              f'{row["cpu_ratio"]:.2f} |', flush=True)
    print_profile(rows)
    print(f'\npeak RSS {common.peak_rss_kib(strict=False) / 2 ** 20:.2f} GiB')
    return rows


if __name__ == '__main__':
    main()
