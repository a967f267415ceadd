"""Benchmark the StyleGAN2 generator forward pass: images/s and peak memory.

Usage:
    python tools/perf/benchmark_generator.py [--resolutions 64 256 512] [--batch-sizes 1 8]
        [--repeats 3] [--devices cpu cuda] [--features] [--channel-base 32768]
        [--channel-max 512]

Random config-f-like weights (8 mapping layers, conv_clamp 256), eval mode, no grad, constant
noise. Per configuration: one warm-up forward, then ``--repeats`` timed ones. Peak host memory
is the process's resident-set high-water mark (Linux ``VmHWM``, reset before each configuration
where the kernel allows it, otherwise the process-lifetime ``ru_maxrss``); on CUDA also
``torch.cuda.max_memory_allocated``. Prints a markdown table.
"""
from __future__ import annotations

import argparse

import torch

from mmdsgan.models.generators import Generator


import perf_common as common  # tools/perf/perf_common.py: a script's folder is on sys.path


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--resolutions', type=int, nargs='+', default=[64, 256, 512])
    parser.add_argument('--batch-sizes', type=int, nargs='+', default=[1, 8])
    parser.add_argument('--repeats', type=int, default=3, help='timed forwards per configuration')
    parser.add_argument('--devices', nargs='+', default=None,
                        help='default: cpu, and cuda when available')
    parser.add_argument('--features', action='store_true',
                        help='also return every conv layer output (return_features=True)')
    parser.add_argument('--channel-base', type=int, default=32768)
    parser.add_argument('--channel-max', type=int, default=512)
    return parser.parse_args(argv)


@torch.no_grad()
def benchmark(device: torch.device, resolution: int, batch_size: int, repeats: int,
              features: bool, channel_base: int, channel_max: int) -> dict:
    """One configuration: returns images/s, seconds/image and peak memory (MiB)."""
    G = Generator(**common.config_f(resolution, channel_base=channel_base,
                                    channel_max=channel_max, conv_clamp=256)).eval().to(device)
    z = torch.randn(batch_size, 512, device=device)
    reset_ok = common.reset_peak_rss()
    if device.type == 'cuda':
        common.sync(device)
        torch.cuda.reset_peak_memory_stats(device)

    def forward(step: int) -> None:
        G.synthesis(G.mapping(z), noise_mode='const', return_features=features)
        common.sync(device)

    elapsed = common.time_calls(forward, 1, repeats, device)  # one warm-up forward
    images = batch_size * repeats
    # VmHWM since the reset above; the process-lifetime ru_maxrss where the reset was refused
    return dict(images_per_s=images / elapsed, s_per_image=elapsed / images,
                host_mib=common.peak_rss_kib(vmhwm=reset_ok, strict=False) / 1024,
                cuda_mib=(torch.cuda.max_memory_allocated(device) / 2 ** 20
                          if device.type == 'cuda' else None))


def main(argv: list[str] | None = None) -> str:
    """Run every configuration and print (and return) the markdown table."""
    args = parse_args(argv)
    devices = args.devices or (['cpu', 'cuda'] if torch.cuda.is_available() else ['cpu'])
    header = ('| device | resolution | batch | images/s | s/image | peak host RSS (MiB) '
              '| peak CUDA allocated (MiB) |\n|---|---|---|---|---|---|---|')
    print(header, flush=True)
    rows = []
    for name in devices:
        device = torch.device(name)
        label = torch.cuda.get_device_name(device) if device.type == 'cuda' else \
            f'cpu ({torch.get_num_threads()} threads)'
        for res in args.resolutions:
            for batch in args.batch_sizes:
                r = benchmark(device, res, batch, args.repeats, args.features,
                              args.channel_base, args.channel_max)
                cuda = '-' if r['cuda_mib'] is None else f"{r['cuda_mib']:.0f}"
                rows.append(f"| {label} | {res} | {batch} | {r['images_per_s']:.3f} | "
                            f"{r['s_per_image']:.3f} | {r['host_mib']:.0f} | {cuda} |")
                print(rows[-1], flush=True)
    return '\n'.join([header, *rows])


if __name__ == '__main__':
    main()
