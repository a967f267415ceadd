"""`make demo`'s HandsOff flow for segmentation, depth and keypoints: what `make demo-all` runs.

Usage:
    python tools/demo_all.py [CONFIG] [--work-dir DIR] [--tasks seg depth keypoints]
        [--cfg-options KEY=VALUE ...]

CONFIG defaults to ``configs/demo/handsoff-all-tasks_toy-faces-64x64.py``; DIR to
``work_dirs/demo`` (shared with ``make demo``: its finished stages are reused). The seg stages
are ``tools/demo.py``'s; per other label type (depth, keypoints) the same real faces and
encoder, then:

1. invert the 16 labeled faces with that label type (``tools/invert.py --task``);
2. train its interpreter ensemble (``tools/train.py``);
3. generate a labeled set with uncertainty scores (``tools/generate_dataset.py``);
4. train the small UNet on the generated set and on the 16 real labels alone, 3 seeds each,
   and score both on the held-out real faces (``tools/benchmark.py`` with the spec's
   ``metrics``: mNMSE / RMSE / RMSE-log, PCK@0.1 / 0.05 / 0.02).

Every stage resumes; at the end the tables of every label type are printed one after another.
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import sys
import time
from pathlib import Path

from mmengine.config import DictAction

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from demo import REPO, Demo, _options  # noqa: E402  (tools/demo.py: the seg stages)

from mmdsgan.utils.config import load_config  # noqa: E402
from mmdsgan.utils.errors import ConfigError, run_tool  # noqa: E402

DEFAULT_CONFIG = 'configs/demo/handsoff-all-tasks_toy-faces-64x64.py'


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', nargs='?', default=DEFAULT_CONFIG, help='demo config')
    parser.add_argument('--work-dir', default='work_dirs/demo', help='where everything goes')
    parser.add_argument('--tasks', nargs='+', default=None,
                        help="label types to run (default: the config's tasks)")
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default=None,
                        help='override demo settings, e.g. task_benchmark.seeds=[0]')
    return parser.parse_args(argv)


class TaskDemo(Demo):
    """:class:`Demo`'s stages for a label type other than seg (own folders per type)."""

    def invert_task(self, real: Path, encoder_ckpt: Path, task: str) -> Path:
        out = self.work / f'labeled_latents_{task}'
        opts = dict(self.cfg.inversion.cfg_options)
        if opts.get('inversion.use_lpips') == 'auto':
            from mmdsgan.models.inversion.lpips_loss import default_lpips_backbone
            opts['inversion.use_lpips'] = osp.isfile(default_lpips_backbone())
        opts.update({'model.generator_checkpoint': self.cfg.generator,
                     'inversion.encoder_checkpoint': str(encoder_ckpt)})
        self.run(f'invert the {self.cfg.real.num_labeled} labeled faces into W+ ({task} labels)',
                 ['tools/invert.py', self.cfg.inversion.config, '--data', str(real),
                  '--split', 'train', '--task', task, '--out', str(out), *_options(opts)],
                 done=out / 'report.md')
        return out

    def interpreter_task(self, labeled: Path, task: str, settings) -> dict:
        out = self.work / f'interpreter_{task}'
        opts = {'data_root': str(labeled),
                'train_dataloader.dataset.data_root': str(labeled),
                'model.backbone.checkpoint': self.cfg.generator,
                **settings.interpreter_options}
        self.run(f'train the {task} interpreter ensemble',
                 ['tools/train.py', settings.interpreter, '--work-dir', str(out),
                  *_options(opts)], done=out / 'last_checkpoint')
        return opts

    def generate_task(self, task: str, settings, opts: dict) -> Path:
        out, gen = self.work / f'synthetic_{task}', settings.generation
        ckpt = (self.work / f'interpreter_{task}' / 'last_checkpoint').read_text().strip()
        self.run(f'generate {gen.num} samples labeled with {task}',
                 ['tools/generate_dataset.py', settings.interpreter, '--num', str(gen.num),
                  '--out', str(out), '--batch-size', str(gen.batch_size), '--checkpoint', ckpt,
                  *_options(opts)])  # resumes by itself
        return out

    def benchmark_task(self, task: str, settings, real: Path, synthetic: Path) -> Path:
        return self.benchmark(real, synthetic, bench=self.cfg.task_benchmark,
                              arms=settings.arms, name=f'benchmark_{task}',
                              metrics=settings.metrics, what=task)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    os.chdir(REPO)
    cfg = load_config(args.config, args.cfg_options)
    tasks = list(args.tasks or cfg.tasks)
    unknown = [t for t in tasks if t != 'seg' and t not in cfg.task_settings]
    if unknown:
        raise ConfigError(f'demo_all: no settings for {unknown} in {args.config} '
                          f'(task_settings has {sorted(cfg.task_settings)})')
    if not osp.isfile(cfg.generator):
        sys.exit(f'demo: the toy generator {cfg.generator} is missing (docs/gan_training.md)')
    work = Path(args.work_dir).resolve()
    work.mkdir(parents=True, exist_ok=True)
    demo = TaskDemo(cfg, work)
    start = time.time()
    real = demo.real_data()
    encoder_ckpt = demo.encoder()
    tables = {}
    for task in tasks:
        if task == 'seg':
            _, opts = demo.interpreter(demo.invert(real, encoder_ckpt))
            tables[task] = demo.benchmark(real, demo.generate(opts))
            continue
        settings = cfg.task_settings[task]
        labeled = demo.invert_task(real, encoder_ckpt, task)
        opts = demo.interpreter_task(labeled, task, settings)
        synthetic = demo.generate_task(task, settings, opts)
        tables[task] = demo.benchmark_task(task, settings, real, synthetic)
    print('\n== timings')
    for title, seconds in demo.timings:
        print(f'{seconds:7.1f} s  {title}')
    print(f'{time.time() - start:7.1f} s  total')
    for task, folder in tables.items():
        print(f'\n== {task}: synthetic vs 16 real labels ({folder / "results.md"})\n')
        print((folder / 'results.md').read_text())


if __name__ == '__main__':
    sys.exit(run_tool(main))
