"""The HandsOff flow end to end on the built-in toy domain: what `make demo` runs.

Usage:
    python tools/demo.py [CONFIG] [--work-dir DIR] [--cfg-options KEY=VALUE ...]

CONFIG defaults to ``configs/demo/handsoff_toy-faces-64x64.py``; DIR to ``work_dirs/demo``.
Each stage is one of the project's own commands, printed before it runs, so the demo doubles as
a recipe for your own domain:

1. render 16 labeled real faces, 50 for validation and 200 held-out test faces;
2. train the inversion encoder on the shipped generator's samples;
3. invert the 16 labeled faces into W+ (encoder + optimisation) and pair them with their labels;
4. train the interpreter ensemble on those pairs (``tools/train.py``);
5. generate a labeled synthetic set with uncertainty scores (``tools/generate_dataset.py``) and
   draw its contact sheet;
6. train the same small MMSeg model on the synthetic set and on the 16 labels alone and score
   both on the 200 held-out faces (``tools/benchmark.py``): ``results.md`` and ``results.png``.

Every stage resumes: run it again after an interruption and finished stages are skipped.
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import subprocess
import sys
import time
from pathlib import Path

from mmengine.config import Config, DictAction

from mmdsgan.datasets.toy_faces import toy_sample_id
from mmdsgan.utils.config import load_config
from mmdsgan.utils.errors import run_tool

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = 'configs/demo/handsoff_toy-faces-64x64.py'


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', nargs='?', default=DEFAULT_CONFIG, help='demo config')
    parser.add_argument('--work-dir', default='work_dirs/demo', help='where everything goes')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default=None,
                        help='override demo settings, e.g. generation.num=500')
    return parser.parse_args(argv)


def _options(opts: dict) -> list[str]:
    return ['--cfg-options', *[f'{k}={v}' for k, v in opts.items()]] if opts else []


class Demo:
    """Runs the stages as subprocesses of the project's tools, timing each."""

    def __init__(self, cfg: Config, work: Path) -> None:
        self.cfg, self.work = cfg, work
        self.timings: list[tuple[str, float]] = []

    def run(self, title: str, args: list[str], done: Path | None = None) -> None:
        if done is not None and done.exists():
            print(f'\n== {title}: done already ({done})', flush=True)
            return
        cmd = [sys.executable, *args]
        print(f'\n== {title}\n$ {" ".join(args)}', flush=True)
        start = time.time()
        result = subprocess.run(cmd, cwd=REPO)
        if result.returncode != 0:
            sys.exit(f'demo: stage "{title}" failed (exit {result.returncode}); fix the error '
                     'above and run the demo again: finished stages are kept')
        self.timings.append((title, time.time() - start))

    def real_data(self) -> Path:
        real, root = self.cfg.real, self.work / 'real'
        for split, num, seed in (('train', real.num_labeled, real.labeled_seed),
                                 ('val', real.num_val, real.val_seed),
                                 ('test', real.num_test, real.test_seed)):
            self.run(f'render {num} real toy faces ({split})',
                     ['tools/make_toy_data.py', str(root), '--num', str(num), '--split', split,
                      '--start-seed', str(seed)],
                     done=root / 'img_dir' / split / f'{toy_sample_id(seed + num - 1)}.png')
        return root

    def encoder(self) -> Path:
        out = self.work / 'encoder'
        opts = {'model.generator_checkpoint': self.cfg.generator, **self.cfg.encoder.cfg_options}
        self.run('train the inversion encoder on generator samples',
                 ['tools/train.py', self.cfg.encoder.config, '--work-dir', str(out),
                  *_options(opts)], done=out / 'last_checkpoint')
        return Path((out / 'last_checkpoint').read_text().strip())

    def invert(self, real: Path, encoder_ckpt: Path) -> Path:
        out = self.work / 'labeled_latents'
        opts = dict(self.cfg.inversion.cfg_options)
        if opts.get('inversion.use_lpips') == 'auto':
            from mmdsgan.models.inversion.lpips_loss import default_lpips_backbone
            opts['inversion.use_lpips'] = osp.isfile(default_lpips_backbone())
            print(f'LPIPS {"on" if opts["inversion.use_lpips"] else "off (MSE only)"}: VGG16 '
                  f'trunk {default_lpips_backbone()} '
                  f'{"found" if opts["inversion.use_lpips"] else "not found"}')
        opts.update({'model.generator_checkpoint': self.cfg.generator,
                     'inversion.encoder_checkpoint': str(encoder_ckpt)})
        self.run(f'invert the {self.cfg.real.num_labeled} labeled faces into W+',
                 ['tools/invert.py', self.cfg.inversion.config, '--data', str(real),
                  '--split', 'train', '--out', str(out), *_options(opts)],
                 done=out / 'report.md')
        return out

    def interpreter(self, labeled: Path) -> tuple[str, dict]:
        out = self.work / 'interpreter'
        opts = {'data_root': str(labeled),
                'train_dataloader.dataset.data_root': str(labeled),
                'model.backbone.checkpoint': self.cfg.generator,
                **self.cfg.interpreter.cfg_options}
        self.run('train the interpreter ensemble', ['tools/train.py', self.cfg.interpreter.config,
                                                    '--work-dir', str(out), *_options(opts)],
                 done=out / 'last_checkpoint')
        return str(out / 'last_checkpoint'), opts

    def generate(self, opts: dict) -> Path:
        out, gen = self.work / 'synthetic', self.cfg.generation
        ckpt = (self.work / 'interpreter' / 'last_checkpoint').read_text().strip()
        self.run(f'generate {gen.num} labeled samples',
                 ['tools/generate_dataset.py', self.cfg.interpreter.config, '--num', str(gen.num),
                  '--out', str(out), '--batch-size', str(gen.batch_size), '--checkpoint', ckpt,
                  *_options(opts)])  # resumes by itself: finished samples are kept
        self.run('draw the contact sheet and the uncertainty histogram',
                 ['tools/visualize_dataset.py', str(out), '--out',
                  str(self.work / 'contact_sheet.png')])
        return out

    def benchmark(self, real: Path, synthetic: Path, bench=None, arms=None,
                  name: str = 'benchmark', metrics=None, what: str = 'downstream') -> Path:
        """Train and score the arms (an arm's config naming ``synth`` trains on ``synthetic``,
        the others on ``real``) through ``tools/benchmark.py``; returns its folder
        ``<work>/<name>``. ``bench`` (seeds, cfg_options), ``arms`` and ``metrics``: another
        label type's (default the seg demo's ``benchmark``)."""
        bench = self.cfg.benchmark if bench is None else bench
        data = {f'{s}_dataloader.dataset.data_root': str(real) for s in ('val', 'test')}
        specs = []
        for arm in (bench.arms if arms is None else arms):
            train_root = str(synthetic) if 'synth' in arm.config else str(real)
            specs.append(dict(arm, labeled_images=self.cfg.real.num_labeled,
                              cfg_options={'train_dataloader.dataset.data_root': train_root}))
        out = self.work / name
        spec = self.work / f'{name}_spec.py'
        spec.write_text(f'arms = {specs!r}\nseeds = {list(bench.seeds)!r}\n'
                        f'cfg_options = {dict(bench.cfg_options, **data)!r}\n'
                        + (f'metrics = {list(metrics)!r}\n' if metrics else '')
                        + f"absent = 'nan'\ncross_validation = None\n"
                        f'work_dir = {str(out)!r}\n')
        self.run(f'train and score the {what} models on the held-out real faces',
                 ['tools/benchmark.py', str(spec)])
        return out


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    os.chdir(REPO)
    cfg = load_config(args.config, args.cfg_options)
    if not osp.isfile(cfg.generator):
        sys.exit(f'demo: the toy generator {cfg.generator} is missing. Train one with '
                 'tools/train.py configs/gan/stylegan2_c32_1xb16-6k_toy-faces-64x64.py and copy '
                 'its work_dir/generator_ema_latest.pth there (docs/gan_training.md).')
    work = Path(args.work_dir).resolve()
    work.mkdir(parents=True, exist_ok=True)
    demo = Demo(cfg, work)
    start = time.time()
    real = demo.real_data()
    labeled = demo.invert(real, demo.encoder())
    _, interpreter_opts = demo.interpreter(labeled)
    synthetic = demo.generate(interpreter_opts)
    bench = demo.benchmark(real, synthetic)
    print('\n== timings')
    for title, seconds in demo.timings:
        print(f'{seconds:7.1f} s  {title}')
    print(f'{time.time() - start:7.1f} s  total')
    print(f'\nresults: {bench / "results.md"}, plot: {bench / "results.png"}, '
          f'contact sheet: {work / "contact_sheet.png"}')


if __name__ == '__main__':
    sys.exit(run_tool(main))
