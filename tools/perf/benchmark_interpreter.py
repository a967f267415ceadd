"""Host memory and time of interpreter training and labeling, against the materialised reference.

Usage:
    python tools/perf/benchmark_interpreter.py [--res 256 512] [--images 16] [--batch 2]
        [--pixels 1024] [--iters 3] [--markdown docs/benchmarks.md]

Every case runs in a fresh subprocess (``--case NAME --res R``), so its peak resident memory
(``VmHWM`` of /proc/self/status, the process's high-water mark) is its own. The generator is a
config-f StyleGAN2 (channel_base 32768, 8 mapping layers) with random weights; features are
taken with fixed noise; the ensemble is 10 DatasetGAN MLPs (19 classes: widths 128/32).

Cases:
    ours-train  ``DatasetGANInterpreter.train_step`` on batches of ``--batch`` of the
                ``--images`` labeled latents: generator forward without grad, ``--pixels``
                pixels per image and member gathered from native-resolution maps.
    ours-label  ``DatasetGANInterpreter.predict`` of one image (banded labeling).
    reference   what DatasetGAN/HandsOff do, for ONE image: upsample every map to full
                resolution and concatenate (float32), then train iterations of 10 plain MLPs on
                pixels sampled from it, and label it with the 10 MLPs on all its pixels. The
                memory of ``--images`` images is extrapolated analytically (the hypercolumns
                alone: images x C x H x W x 4 bytes), since it exceeds this machine's RAM.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time

import torch


NUM_CLASSES = 19  # CelebAMask-HQ faces, as DatasetGAN/HandsOff
MEMBERS = 10

import perf_common as common  # tools/perf/perf_common.py: a script's folder is on sys.path


def build_model(res: int, pixels: int):
    import mmdsgan  # noqa: F401  registers the modules
    from mmengine.registry import DefaultScope
    from mmseg.registry import MODELS
    torch.manual_seed(0)
    cfg = dict(type='DatasetGANInterpreter',
               backbone=dict(type='StyleGAN2FeatureBackbone',
                             generator=common.config_f(res)),
               head=dict(type='InterpreterEnsembleHead', num_classes=NUM_CLASSES,
                         num_members=MEMBERS),
               num_pixels=pixels)
    with DefaultScope.overwrite_default_scope('mmseg'):
        return MODELS.build(cfg)


def labeled_batch(res: int, start: int, size: int) -> dict:
    """Latents z and random label maps of images ``start .. start + size - 1``."""
    from mmengine.structures import PixelData
    from mmseg.structures import SegDataSample
    samples, latents = [], []
    for i in range(start, start + size):
        g = torch.Generator().manual_seed(i)
        latents.append(torch.randn(512, generator=g))
        sample = SegDataSample(metainfo=dict(latent_type='z'))
        sample.gt_sem_seg = PixelData(data=torch.randint(0, NUM_CLASSES, (1, res, res),
                                                         generator=g))
        samples.append(sample)
    return dict(inputs=latents, data_samples=samples)


def case_ours_train(args) -> dict:
    from mmengine.optim import OptimWrapper
    model = build_model(args.res, args.pixels)
    wrapper = OptimWrapper(torch.optim.Adam(model.head.parameters(), lr=1e-3))
    starts = list(range(0, args.images, args.batch))
    model.train()

    def train_step(step: int) -> None:  # step 0: warm-up
        # One batch's labels at a time, as a dataloader reads them (50 label maps of 1024²
        # held at once would add 0.4 GB that no real run holds).
        start = starts[step % len(starts)]
        model.train_step(labeled_batch(args.res, start, min(args.batch, args.images - start)),
                         wrapper)

    return dict(s_per_iter=common.time_calls(train_step, 1, args.iters) / args.iters)


def case_ours_label(args) -> dict:
    model = build_model(args.res, args.pixels).eval()

    def label(step: int) -> None:  # step 0: warm-up
        model.test_step(labeled_batch(args.res, step, 1))

    return dict(s_label=common.time_calls(label, 1, 1))


def case_reference(args) -> dict:
    import torch.nn.functional as F
    from mmdsgan.models.generators import Generator
    from mmdsgan.models.heads.ensemble_mlp import EnsembleMLP
    from mmdsgan.tasks.seg import js_divergence, majority_vote
    torch.manual_seed(0)
    generator = Generator(**common.config_f(args.res)).eval()
    members = [EnsembleMLP(sum(generator.feature_channels), NUM_CLASSES, 1).member(0)
               for _ in range(MEMBERS)]  # ten plain MLPs, trained one after another
    res = args.res
    start = time.perf_counter()
    with torch.no_grad():
        ws = generator.mapping(torch.randn(1, 512), None)
        _, feats = generator.synthesis(ws, noise_mode='const', return_features=True)
        full = torch.empty(sum(generator.feature_channels), res, res)  # (C, H, W)
        offset = 0
        for f in feats:  # upsample each map into its slice (no concatenation copy)
            full[offset:offset + f.shape[1]] = F.interpolate(
                f, (res, res), mode='bilinear', align_corners=False)[0]
            offset += f.shape[1]
    s_materialise = time.perf_counter() - start
    pixels = full.view(full.shape[0], -1)  # (C, H*W)
    labels = torch.randint(0, NUM_CLASSES, (res * res,))
    optims = [torch.optim.Adam(m.parameters(), lr=1e-3) for m in members]
    per_iter = args.batch * args.pixels  # the pixels each member sees per ours-train iteration

    def train_iter(step: int) -> None:  # step 0: warm-up
        for mlp, optim in zip(members, optims):
            index = torch.randint(0, res * res, (per_iter,))
            loss = F.cross_entropy(mlp(pixels[:, index].t()), labels[index])
            optim.zero_grad()
            loss.backward()
            optim.step()

    s_per_iter = common.time_calls(train_iter, 1, args.iters) / args.iters
    start = time.perf_counter()
    with torch.no_grad():
        for mlp in members:
            mlp.eval()
        logits = []
        for chunk in pixels.t().split(65536):  # (P, C)
            out = torch.stack([mlp(chunk) for mlp in members], 0)  # (M, P, K)
            probs = out.softmax(-1).permute(1, 0, 2)[..., None]  # (P, M, K, 1)
            majority_vote(out.argmax(-1).t()[..., None], NUM_CLASSES)
            js_divergence(probs)
            logits.append(out.shape[1])
    s_label = s_materialise + time.perf_counter() - start
    bytes_one = full.numel() * 4
    return dict(s_per_iter=s_per_iter, s_materialise=s_materialise, s_label=s_label,
                channels=full.shape[0], hypercolumns_gb_per_image=bytes_one / 1e9,
                hypercolumns_gb_all=bytes_one * args.images / 1e9)


CASES = {'ours-train': case_ours_train, 'ours-label': case_ours_label,
         'reference': case_reference}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--res', type=int, nargs='+', default=[256, 512])
    parser.add_argument('--images', type=int, default=16, help='labeled images')
    parser.add_argument('--batch', type=int, default=2, help='images per training iteration')
    parser.add_argument('--pixels', type=int, default=1024,
                        help='pixels per image and member per iteration')
    parser.add_argument('--iters', type=int, default=3, help='timed training iterations')
    parser.add_argument('--threads', type=int, default=0, help='torch threads (0: default)')
    parser.add_argument('--cases', nargs='+', default=list(CASES), choices=list(CASES))
    parser.add_argument('--markdown', default=None,
                        help='append the table under "## Interpreter" to this file')
    parser.add_argument('--case', choices=list(CASES), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def run_case(args: argparse.Namespace) -> None:
    if args.threads:
        torch.set_num_threads(args.threads)
    args.res = args.res[0]  # a case runs at one resolution
    result = CASES[args.case](args)
    result.update(case=args.case, res=args.res, peak_rss_gb=common.peak_rss_kib() * 1024 / 1e9)
    print('RESULT ' + json.dumps(result))


def main(argv: list[str] | None = None) -> list[dict]:
    args = parse_args(argv)
    if args.case:
        run_case(args)
        return []
    results = []
    for res in args.res:
        for case in args.cases:
            cmd = [sys.executable, __file__, '--case', case, '--res', str(res),
                   '--images', str(args.images), '--batch', str(args.batch),
                   '--pixels', str(args.pixels), '--iters', str(args.iters),
                   '--threads', str(args.threads)]
            out = subprocess.run(cmd, capture_output=True, text=True)
            line = [ln for ln in out.stdout.splitlines() if ln.startswith('RESULT ')]
            if out.returncode or not line:
                raise RuntimeError(f'case {case} at {res}px failed:\n{out.stderr[-3000:]}')
            results.append(json.loads(line[-1][len('RESULT '):]))
            print(json.dumps(results[-1]), flush=True)
    table = markdown(results, args)
    print(table)
    if args.markdown:
        with open(args.markdown, 'a') as f:
            f.write('\n' + table)
    return results


def markdown(results: list[dict], args: argparse.Namespace) -> str:
    rows = ['| case | res | peak host RAM (GB) | s / train iter | s / label 1 image |',
            '|---|---|---|---|---|']
    def seconds(value: float | None) -> str:
        return '' if value is None else f'{value:.2f}'

    for r in results:
        rows.append(f"| {r['case']} | {r['res']} | {r['peak_rss_gb']:.2f} | "
                    f"{seconds(r.get('s_per_iter'))} | {seconds(r.get('s_label'))} |")
    for r in results:
        if r['case'] == 'reference':
            rows.append(f"| reference, {args.images} images (analytic) | {r['res']} | "
                        f"{r['hypercolumns_gb_all']:.1f} (hypercolumns alone, C = "
                        f"{r['channels']}) | | |")
    return '\n'.join(rows) + '\n'


if __name__ == '__main__':
    main()
