"""The HandsOff / DatasetGAN flow of one experiment config as a chain of the project's tools.

``prepare`` commands (optional) -> the k labeled sample ids -> inversion encoder
(``tools/train.py``) -> inversion of the k labeled images (``tools/invert.py --ids``), or a
painted DatasetGAN annotation folder (``tools/import_annotations.py``) -> interpreter
(``tools/train.py``) -> generation (``tools/generate_dataset.py``) and its contact sheet ->
benchmark arms (``tools/benchmark.py``) on the real test split of ``evaluation.config`` ->
for segmentation, a sheet of test predictions side by side (``tools/prediction_sheet.py``) ->
with ``ks``, the label-efficiency table and plot; with ``draws``, the table over draws of
labeled images x seeds. ``real.task`` picks the label type (seg,
depth, keypoints) of every stage. Nothing here knows a domain: every path,
class and setting comes from the experiment config (:mod:`.experiment`).
"""
from __future__ import annotations

import os.path as osp
from pathlib import Path
from typing import Any, Mapping

from mmengine.config import Config

from mmdsgan.evaluation.benchmark import report_file, split_suffix
from mmdsgan.utils.config import load_config
from mmdsgan.utils.errors import ConfigError, MissingFileError
from mmdsgan.utils.io import atomic_write, sha256_file
from .experiment import ARM_KINDS, fill_placeholders
from .stages import StageRunner

__all__ = ['HandsOffPipeline', 'flat_options']


def flat_options(options: Mapping[str, Any], prefix: str = '') -> dict:
    """``{'a': {'b': 1}, 'c.d': 2}`` -> ``{'a.b': 1, 'c.d': 2}``: the ``--cfg-options`` of a
    stage, whether the experiment wrote them dotted or nested (``--cfg-options
    encoder.cfg_options.train_cfg.max_iters=2`` nests them); later keys win."""
    flat: dict = {}
    for key, value in options.items():
        if isinstance(value, Mapping) and not value.get('_delete_') and value:
            flat.update(flat_options(value, f'{prefix}{key}.'))
        else:
            flat[f'{prefix}{key}'] = value
    return flat


def _cli_options(options: Mapping[str, Any]) -> list[str]:
    flat = flat_options(options)
    return ['--cfg-options', *[f'{k}={v}' for k, v in flat.items()]] if flat else []


def _plain(value: Any) -> Any:
    """ConfigDicts and tuples as plain dicts and lists (for JSON and spec files)."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


class HandsOffPipeline:
    """Runs an experiment (a checked config from :func:`~.experiment.load_experiment`).

    Args:
        cfg: the experiment config.
        config_path: its file (names the work directory's owner).
        work: the work directory.
        repo: where the tools run (the repository root).
        force: see :class:`~.stages.StageRunner`.
    """

    def __init__(self, cfg: Config, config_path: str, work: Path, repo: Path,
                 force: bool = False) -> None:
        self.cfg, self.work, self.repo = cfg, Path(work).resolve(), Path(repo)
        self.stages = StageRunner(self.work, osp.normpath(config_path), self.repo, force)
        self.generator = self._generator_file(cfg.generator)
        self.names: dict[str, Any] = dict(work_dir=str(self.work), generator=self.generator)

    # ----------------------------------------------------------------------------- helpers
    def _generator_file(self, generator: Any) -> str:
        """The generator file; ``dict(kwargs=..., seed=0)`` (a random generator of those
        ``Generator`` kwargs, e.g. config-f at 256 px, to prove the path without weights) is
        written once into the work dir, named by a hash of its settings."""
        if isinstance(generator, str):
            return generator
        import torch

        from mmdsgan.models.generators import Generator, save_generator
        from .stages import _digest
        spec = _plain(generator)
        path = self.work / f'generator_random_{_digest(spec)[:8]}.pth'
        if not path.is_file():
            print(f'\n== build a random generator ({spec["kwargs"]}) -> {path}', flush=True)
            torch.manual_seed(int(spec.get('seed', 0)))
            save_generator(Generator(**spec['kwargs']).eval(), path)
        return str(path)

    def fill(self, value: Any, **more: Any) -> Any:
        return fill_placeholders(_plain(value), {**self.names, **more})

    # ------------------------------------------------------------------------------ stages
    def run(self) -> dict:
        cfg = self.cfg
        if not osp.isfile(self.generator):
            raise MissingFileError(f'generator not found: {self.generator} (the experiment '
                                   f'config\'s `generator`)')
        self.generator_sha256 = sha256_file(self.generator)
        prepared = self.prepare()
        self.names['real_root'] = self.fill(cfg.real.root)
        all_ids, labeled = self.labeled_ids()
        encoder = self.encoder() if cfg.annotations is None else None
        if cfg.real.select:
            labeled = self.select(len(labeled), encoder, prepared)
        sets = self.labeled_sets(all_ids, labeled)
        for unit in sets:
            unit['dir'].mkdir(parents=True, exist_ok=True)
            unit['ids_file'] = unit['dir'] / 'labeled_ids.txt'
            atomic_write(unit['ids_file'], ''.join(f'{i}\n' for i in unit['ids']).encode())
            if cfg.annotations is None:
                unit['latents'] = self.invert(unit, encoder, prepared)
            else:
                unit['latents'] = self.import_annotations()
            interpreter_opts = self.interpreter(unit)
            unit['synthetic'] = self.generate(unit, interpreter_opts)
        bench = self.benchmark(sets, len(all_ids))
        return dict(benchmark=bench, ks=[u['k'] for u in sets], timings=self.stages.timings,
                    protocol=self.protocol(sets))

    def protocol(self, sets: list[dict]) -> str:
        """One line saying what the printed tables rest on: how many labeled sets, seeds,
        which split."""
        cfg, bench = self.cfg, self.cfg.benchmark
        seeds = f'training seeds {list(bench.seeds)}, scored on the real {bench.split} split'
        if cfg.draws:
            return (f'{len(sets)} disjoint draws of {sets[0]["k"]} labeled images x {seeds}; '
                    f'draws{split_suffix(bench.split)}.md has mean ± std over all runs')
        if cfg.ks:
            return f'one labeled set per k in {[u["k"] for u in sets]} x {seeds}'
        return (f'one draw of {sets[0]["k"]} labeled images x {seeds}. One draw is not a '
                'margin that holds across draws: set draws=3 for that (e.g. '
                'configs/experiments/handsoff-protocol_toy-faces-64x64.py)')

    def labeled_sets(self, all_ids: list[str], labeled: list[str]) -> list[dict]:
        """The sets of labeled images the method runs on, each with its own inversion,
        interpreter and generated set: one (the labeled images), one per k of ``ks`` (the first
        k), or one per draw of ``draws`` (disjoint blocks of k consecutive ids of the split;
        draw 0 is the first k)."""
        cfg = self.cfg
        if cfg.draws:
            k = len(labeled)
            if cfg.draws * k > len(all_ids):
                raise ConfigError(f'draws={cfg.draws} of real.labeled={k} images need '
                                  f'{cfg.draws * k} samples; split {cfg.real.split!r} of '
                                  f'{self.names["real_root"]} has {len(all_ids)}')
            return [dict(tag=f'draw{d}', k=k, ids=all_ids[d * k:(d + 1) * k],
                         dir=self.work / f'draw{d}', suffix=f' (draw {d})', always=True)
                    for d in range(cfg.draws)]
        if cfg.ks:
            return [dict(tag=f'k{k}', k=k, ids=labeled[:k], dir=self.work / f'k{k}',
                         suffix=f' (k={k})', always=False) for k in cfg.ks]
        return [dict(tag=f'k{len(labeled)}', k=len(labeled), ids=labeled, dir=self.work,
                     suffix='', always=False)]

    def prepare(self) -> list[str]:
        names = []
        for i, step in enumerate(self.cfg.prepare):
            if not step.get('args'):
                raise ConfigError(f'prepare[{i}] has no `args` (the command after `python`)')
            name = f'prepare_{step.get("name", i)}'
            self.stages.run(name, step.get('title', f'prepare: {step.get("name", i)}'),
                            self.fill(step['args']), after=names)
            names.append(name)
        return names

    def labeled_ids(self) -> tuple[list[str], list[str]]:
        """All sample ids of the real training split, and the labeled ones (the first k, or
        the listed ones, checked), as the inversion reader lists them."""
        from mmdsgan.datasets.real_labeled import read_real_labeled
        real = self.cfg.real
        data = read_real_labeled(self.names['real_root'], real.format, real.split, real.task,
                                 dict(class_merge=_plain(real.class_merge)))
        ids = list(data.ids)
        if isinstance(real.labeled, int):
            if real.labeled > len(ids):
                raise ConfigError(f'real.labeled={real.labeled}, but split {real.split!r} of '
                                  f'{self.names["real_root"]} has {len(ids)} samples')
            labeled = ids[:real.labeled]
        else:
            labeled = list(real.labeled)
            unknown = [i for i in labeled if i not in ids]
            if unknown:
                raise ConfigError(f'real.labeled: {len(unknown)} id(s) not in split '
                                  f'{real.split!r} of {self.names["real_root"]}, e.g. '
                                  f'{unknown[0]!r} (ids are file stems)')
        if not real.select:
            _print_labeled(labeled, len(ids), real.split)
        return ids, labeled

    def _inversion_config(self) -> str | Path:
        """The inversion config; with a class merge (a dict, which --cfg-options cannot carry)
        a child config of it in the work dir that sets ``real_data.class_merge``."""
        cfg, real = self.cfg, self.cfg.real
        if not real.class_merge:
            return cfg.inversion.config
        config = self.work / 'configs' / 'inversion_class_merge.py'
        config.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(config, (f'_base_ = [{osp.abspath(cfg.inversion.config)!r}]\n'
                              f'real_data = dict(class_merge={_plain(real.class_merge)!r})\n'
                              ).encode())
        return config

    def _real_args(self) -> list:
        """How the inversion tools read the real split: ``--data --format --split [--task]``."""
        real = self.cfg.real
        return ['--data', self.names['real_root'], '--format', real.format, '--split',
                real.split, *(['--task', real.task] if real.task != 'seg' else [])]

    def select(self, k: int, encoder: Path, prepared: list[str]) -> list[str]:
        """``real.select='k-center'``: the k images to label, chosen from the whole split by
        greedy k-center on the encoder's W+ codes (``tools/select_images.py``), in the order
        chosen (so that the first k' of them are the choice for any k' < k)."""
        from mmdsgan.datasets.sample_ids import read_sample_ids
        real = self.cfg.real
        out = self.work / 'selected_ids.txt'
        opts = {'model.generator_checkpoint': self.generator,
                'inversion.encoder_checkpoint': str(encoder)}
        self.stages.run('select', f'choose the {k} images to label (k-center on the encoder\'s '
                        f'W+ codes of split {real.split!r})',
                        ['tools/select_images.py', self._inversion_config(), *self._real_args(),
                         '--k', k, '--out', out, '--force', *_cli_options(opts)],
                        outputs=[out], after=[*prepared, 'encoder'])
        labeled = read_sample_ids(str(out))
        _print_labeled(labeled, None, real.split)
        return labeled

    def encoder(self) -> Path:
        out = self.work / 'encoder'
        opts = {'model.generator_checkpoint': self.generator,
                **flat_options(self.fill(self.cfg.encoder.cfg_options))}
        self.stages.run('encoder', 'train the inversion encoder on generator samples',
                        ['tools/train.py', self.cfg.encoder.config, '--work-dir', out,
                         *_cli_options(opts)], outputs=[out],
                        extra=dict(generator_sha256=self.generator_sha256))
        return Path((out / 'last_checkpoint').read_text().strip())

    def invert(self, unit: dict, encoder: Path, prepared: list[str]) -> Path:
        cfg, real, k = self.cfg, self.cfg.real, unit['k']
        out = unit['dir'] / 'labeled_latents'
        opts = flat_options(self.fill(cfg.inversion.cfg_options, k=k))
        if opts.get('inversion.use_lpips') == 'auto':
            from mmdsgan.models.inversion.lpips_loss import default_lpips_backbone
            opts['inversion.use_lpips'] = osp.isfile(default_lpips_backbone())
            print(f'LPIPS {"on" if opts["inversion.use_lpips"] else "off (MSE only)"}: VGG16 '
                  f'trunk {default_lpips_backbone()}')
        opts.update({'model.generator_checkpoint': self.generator,
                     'inversion.encoder_checkpoint': str(encoder)})
        self.stages.run(f'inversion_{unit["tag"]}', f'invert the {k} labeled images into W+'
                        f'{unit["suffix"]}',
                        ['tools/invert.py', self._inversion_config(), *self._real_args(),
                         '--ids', unit['ids_file'], '--out', out, *_cli_options(opts)],
                        outputs=[out],
                        after=[*prepared, 'encoder', *(['select'] if real.select else [])],
                        extra=dict(ids=unit['ids'], class_merge=_plain(real.class_merge)))
        self._latents_stage = f'inversion_{unit["tag"]}'
        return out

    def import_annotations(self) -> Path:
        folder = Path(self.fill(self.cfg.annotations))
        self.stages.run('annotations', f'check and import the painted masks of {folder}',
                        ['tools/import_annotations.py', folder],
                        extra=dict(generator_sha256=self.generator_sha256))
        self._latents_stage = 'annotations'
        return folder

    def interpreter(self, unit: dict) -> dict:
        k, tag, latents = unit['k'], unit['tag'], unit['latents']
        out = unit['dir'] / 'interpreter'
        opts = {'data_root': str(latents), 'train_dataloader.dataset.data_root': str(latents),
                'model.backbone.checkpoint': self.generator,
                **flat_options(self.fill(self.cfg.interpreter.cfg_options, k=k))}
        self.stages.run(f'interpreter_{tag}', f'train the interpreter ensemble on {k} images'
                        f'{unit["suffix"]}',
                        ['tools/train.py', self.cfg.interpreter.config, '--work-dir', out,
                         *_cli_options(opts)], outputs=[out], after=[self._latents_stage])
        return opts

    def generate(self, unit: dict, interpreter_opts: dict) -> Path:
        gen, k, tag = self.cfg.generation, unit['k'], unit['tag']
        out = unit['dir'] / 'synthetic'
        ckpt = (unit['dir'] / 'interpreter' / 'last_checkpoint').read_text().strip()
        opts = {**interpreter_opts, **flat_options(self.fill(gen.cfg_options, k=k))}
        self.stages.run(f'generation_{tag}', f'generate {gen.num} labeled samples'
                        f'{unit["suffix"]}',
                        ['tools/generate_dataset.py', self.cfg.interpreter.config,
                         '--num', gen.num, '--out', out, '--batch-size', gen.batch_size,
                         '--checkpoint', ckpt, *_cli_options(opts)],
                        outputs=[out], after=[f'interpreter_{tag}'])
        if self.cfg.real.task != 'seg':  # the contact sheet draws segmentation sets
            return out
        sheet = unit['dir'] / 'contact_sheet.png'
        self.stages.run(f'contact_sheet_{tag}', 'draw the contact sheet and the uncertainty '
                        'histogram', ['tools/visualize_dataset.py', out, '--out', sheet],
                        outputs=[sheet], after=[f'generation_{tag}'])
        return out

    def evaluation_options(self) -> dict:
        """The real val and test dataloaders (and val evaluator) of ``evaluation.config``,
        replacing every arm's own: every arm is scored on the same real images. With
        ``benchmark.split='val'`` the arms are scored on the val split (choosing a recipe
        without reading the test split)."""
        ev = self.cfg.evaluation
        data = load_config(ev.config, flat_options(self.fill(ev.cfg_options)))
        options = {}
        for key in ('val_dataloader', 'test_dataloader', 'val_evaluator'):
            if data.get(key) is not None:
                options[key] = dict(_plain(data[key]), _delete_=True)
        scored = 'val_dataloader' if self.cfg.benchmark.split == 'val' else 'test_dataloader'
        if scored not in options:
            raise ConfigError(f'evaluation.config {ev.config} has no {scored}')
        options['test_dataloader'] = options[scored]
        return options

    def benchmark_arms(self, sets: list[dict], num_train: int) -> list[dict]:
        """The arms handed to ``tools/benchmark.py``: each enabled kind once per labeled set
        (the full-supervision arm once), placeholders filled."""
        arms_cfg = self.cfg.benchmark.arms
        arms = []
        for kind in ARM_KINDS:
            arm = arms_cfg.get(kind)
            if not arm or not arm.get('enabled', True):
                continue
            for unit in (sets if kind != 'full' else [None]):
                names = {} if unit is None else dict(
                    k=unit['k'], synthetic=str(unit['synthetic']),
                    labeled_ids=str(unit['ids_file']), labeled_latents=str(unit['latents']))
                filled = self.fill(arm, **names)
                name = filled['name']
                if unit is not None and (unit['always'] or '{k}' not in arm['name']):
                    name += unit['suffix']
                options = dict(filled.get('cfg_options') or {})
                if filled.get('load_from'):
                    if not osp.isfile(filled['load_from']):
                        raise MissingFileError(
                            f'benchmark.arms.{kind}.load_from: {filled["load_from"]} not found:'
                            f' put the pretrained segmentor there, or switch the arm off '
                            f'(benchmark.arms.{kind}.enabled=False)')
                    options['load_from'] = filled['load_from']
                arms.append(dict(name=name, config=filled['config'], cfg_options=options,
                                 labeled_images=num_train if unit is None else unit['k'],
                                 kind=kind, k=None if unit is None else unit['k'],
                                 unit=None if unit is None else unit['tag']))
        return arms

    def benchmark(self, sets: list[dict], num_train: int) -> Path:
        """Train and score the arms. The val split (``benchmark.split='val'``) scores the same
        trained runs as the test split (one ``benchmark/`` folder; ``result_val.json``,
        ``results_val.md``, ``draws_val.md``): choosing a recipe on val costs a scoring pass."""
        bench = self.cfg.benchmark
        tail = split_suffix(bench.split)
        out = self.work / 'benchmark'
        arms = self.benchmark_arms(sets, num_train)
        spec = dict(arms=[{k: v for k, v in a.items() if k not in ('kind', 'k', 'unit')}
                          for a in arms],
                    seeds=list(bench.seeds), absent=bench.absent, split=bench.split,
                    **({'metrics': list(bench.metrics)} if bench.metrics else {}),
                    cross_validation=_plain(bench.cross_validation), work_dir=str(out),
                    cfg_options={**flat_options(self.fill(bench.cfg_options)),
                                 **self.evaluation_options()})
        spec_file = self.work / f'benchmark{tail}_spec.py'
        Config(spec).dump(str(spec_file))
        # test: the whole folder (a forced rerun trains again); val: only its own scores
        outputs = [out] if bench.split == 'test' else [report_file(out, bench.split)]
        self.stages.run(f'benchmark{tail}', f'train and score the downstream arms on the real '
                        f'{bench.split} images', ['tools/benchmark.py', spec_file],
                        outputs=outputs, after=[f'generation_{u["tag"]}' for u in sets],
                        extra=spec)
        if not bench.metrics:  # segmentation: what people look at first, side by side
            sheet = self.work / f'prediction_sheet{tail}.png'
            self.stages.run(f'prediction_sheet{tail}', f'draw {bench.split} predictions side '
                            f'by side (image, ground truth, each arm)',
                            ['tools/prediction_sheet.py', spec_file, '--out', sheet],
                            outputs=[sheet], after=[f'benchmark{tail}'])
        metric = bench.metrics[0] if bench.metrics else 'mIoU'
        if self.cfg.ks:
            from .label_efficiency import write_label_efficiency
            write_label_efficiency(arms, list(bench.seeds), out, self.work, metric, bench.split)
        if self.cfg.draws:
            from .draws import write_draws_table
            write_draws_table(arms, list(bench.seeds), out, self.work,
                              list(bench.metrics or ['mIoU']), bench.split)
        return out


def _print_labeled(labeled: list[str], num: int | None, split: str) -> None:
    among = f'of the {num} ' if num is not None else ''
    print(f'\n== labeled images: {len(labeled)} {among}in split {split!r} '
          f'({", ".join(labeled[:4])}{", ..." if len(labeled) > 4 else ""})', flush=True)
