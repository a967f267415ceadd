"""Run the HandsOff / DatasetGAN flow of one experiment config, end to end, for any domain.

Usage:
    python tools/handsoff.py EXPERIMENT_CONFIG [--work-dir DIR] [--force]
        [--cfg-options KEY=VALUE ...]

The experiment config (``configs/experiments/``, docs/pipeline.md) names the generator, the real
labeled data (root, format, split, which k images are labeled, class merge), the real val and
test splits (a dataset config), and each stage's config and settings. The stages are the
project's own tools, each printed before it runs so that a run doubles as a recipe:

1. ``prepare`` commands, if any (e.g. rendering the toy domain's real faces);
2. the inversion encoder (``tools/train.py``) and the inversion of the k labeled images
   (``tools/invert.py --ids``), or a painted DatasetGAN annotation folder
   (``tools/import_annotations.py``);
3. the interpreter ensemble (``tools/train.py``);
4. generation (``tools/generate_dataset.py``) and its contact sheet;
5. the benchmark arms (``tools/benchmark.py``): synthetic, few-shot (the same k real labels),
   transfer learning, synthetic + real, full supervision; each optional;
6. with ``ks=[...]``: steps 2-5 per k and the label-efficiency table and plot;
7. with ``draws=D``: steps 2-5 per draw (disjoint sets of k labeled images) and the table of
   each arm over draws x seeds (``draws.md``).

Segmentation runs end with a sheet of test predictions side by side
(``tools/prediction_sheet.py``). Each stage's wall time and peak memory are printed at the end.

DIR (default ``work_dirs/<config name>``) belongs to its experiment config: another one's folder
is refused unless --force. A finished stage is skipped when its settings are unchanged; one
whose settings changed is refused unless --force, which redoes it and every stage after it.
"""
from __future__ import annotations

import argparse
import os
import os.path as osp
import sys
import time
from pathlib import Path

from mmengine.config import DictAction

from mmdsgan.utils.config import default_work_dir
from mmdsgan.utils.errors import run_tool

REPO = Path(os.path.abspath(__file__)).parents[1]  # as invoked: a linked checkout stays itself


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('config', help='experiment config (configs/experiments/*.py)')
    parser.add_argument('--work-dir', default=None,
                        help='where everything goes (default: work_dirs/<config name>)')
    parser.add_argument('--force', action='store_true',
                        help='use a work dir of another experiment config, and redo stages '
                        'whose settings changed (their outputs are deleted first)')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction, default=None,
                        help='override experiment settings, e.g. generation.num=500 '
                        'interpreter.cfg_options.train_cfg.max_iters=100')
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    config = os.path.abspath(args.config)
    work = Path(args.work_dir or osp.join(REPO, default_work_dir(args.config))).resolve()
    os.chdir(REPO)  # the tools and the configs' relative paths are the repository's
    import mmdsgan  # noqa: F401  registers the modules (the labeled-id reader builds datasets)
    from mmdsgan.evaluation.benchmark import report_file, split_suffix
    from mmdsgan.pipeline import HandsOffPipeline, load_experiment

    cfg = load_experiment(config, args.cfg_options)
    start = time.time()
    pipeline = HandsOffPipeline(cfg, os.path.relpath(config, REPO), work, REPO, args.force)
    result = pipeline.run()
    print('\n== timings (stages run this time; peak resident memory of each)')
    for title, seconds, peak_mb in result['timings']:
        print(f'{seconds:7.1f} s  {peak_mb:7.0f} MiB  {title}')
    print(f'{time.time() - start:7.1f} s  total')
    bench, split = result['benchmark'], cfg.benchmark.split
    tail = split_suffix(split)
    summaries = ([f'label_efficiency{tail}.md'] if cfg.ks else []) + (
        [f'draws{tail}.md'] if cfg.draws else [])
    print(f'\n== protocol: {result["protocol"]}')
    print('\n' + report_file(bench, split).read_text())
    for summary in summaries:
        print('\n' + (work / summary).read_text())
    print(f'results: {report_file(bench, split)}, plot: {report_file(bench, split, "png")}'
          + ''.join(f', {work / s}' for s in summaries))
    return result


if __name__ == '__main__':
    sys.exit(run_tool(main))
