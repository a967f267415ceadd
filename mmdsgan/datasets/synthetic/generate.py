"""Write a labeled synthetic dataset: sharded over ranks, resumable, every file atomic.

:func:`generate_dataset` is what ``tools/generate_dataset.py`` runs. Read top-down:

1. Settings: the interpreter config's ``generation`` section with defaults
   (:mod:`mmdsgan.models.labeling`), classes and palette, the checkpoints and their SHA-256.
2. The folder (rank 0 decides, every rank gets the verdict): a missing or empty folder is
   started; a folder whose ``metainfo.json`` comes from a run with the same settings
   (fingerprint) is resumed; anything else is refused unless ``force``, which starts over
   (earlier manifests are dropped, files with the same names are overwritten).
3. Rank r of W labels the samples i = r, r + W, r + 2W, ... below ``num`` that are not done
   (a sample is done when its manifest line is complete and its files exist), in fixed-shape
   batches (:class:`~mmdsgan.models.labeling.SyntheticLabeler`), writes each sample's files
   atomically and then appends its line to ``manifest.rank<r>.jsonl``.
4. After a barrier rank 0 merges the shards into ``manifest.jsonl`` and completes
   ``metainfo.json``.
"""
from __future__ import annotations

import json
import os
import os.path as osp
from typing import Any, Callable

import torch
from mmengine.config import Config
from mmengine.dist import barrier, broadcast_object_list, get_dist_info
from mmengine.utils import ProgressBar

from mmdsgan.models.labeling import (build_labeler, find_interpreter_checkpoint,
                                     generation_settings, label_metainfo)
from mmdsgan.tasks import get_task
from mmdsgan.utils.config import load_config
from mmdsgan.utils.errors import InputError
from mmdsgan.utils.io import atomic_write, json_text, sha256_file
from mmdsgan.utils.paths import path_inside
from mmdsgan.utils.profiling import stage

from ..folder_claim import FolderClaimError, claim_folder, prepare_folders
from ..label_io import META_NAME
from .manifest import (MANIFEST_NAME, append_record, merge_manifest_shards, read_manifest,
                       shard_path)
from .sample_files import ID_FORMAT, UNCERTAINTY_SCALE, SampleWriter, sample_id

__all__ = ['DATASET_KIND', 'FINGERPRINT_KEYS', 'generate_dataset']

DATASET_KIND = 'mmdsgan.synthetic'
FORMAT_VERSION = 1
#: metainfo.json entries that must match for a run to resume a folder.
FINGERPRINT_KEYS = ('kind', 'version', 'task', 'classes', 'img_size', 'split', 'generation',
                    'generator_sha256', 'interpreter_sha256')
#: generation settings that change the samples' bytes (part of the fingerprint).
_SAMPLE_SETTINGS = ('truncation_psi', 'truncation_cutoff', 'seed', 'img_format', 'jpg_quality',
                    'batch_size', 'save_latents', 'save_uncertainty', 'depth_scale')


def generate_dataset(config: str | dict | Config, num: int, out: str,
                     checkpoint: str | None = None, batch_size: int | None = None,
                     force: bool = False, device: str | torch.device | None = None,
                     cfg_options: dict | None = None, save_latents: bool | None = None,
                     progress: bool = True,
                     after_sample: Callable[[dict[str, Any]], None] | None = None
                     ) -> list[dict[str, Any]]:
    """Generate ``num`` labeled samples into ``out`` (or finish an interrupted run).

    Args:
        config: interpreter config (path, dict or Config).
        num: samples i = 0 .. num - 1 (seeds ``generation.seed + i``).
        out: output folder.
        checkpoint: interpreter checkpoint; default ``<work_dir>/last_checkpoint``'s target.
        batch_size: latents per forward pass (default ``generation.batch_size``); part of the
            fingerprint, since it fixes the kernels' shapes.
        force: write into a folder that is not an unfinished run of the same settings,
            starting over.
        device: default ``cuda:<LOCAL_RANK>`` when CUDA is available, else the CPU.
        cfg_options: merged into the config.
        save_latents: override ``generation.save_latents``.
        progress: show a progress bar on rank 0.
        after_sample: called with each record after its line is written (tests use it to
            interrupt a run).

    Returns:
        On rank 0 every record of the folder (merged manifest); on other ranks this rank's
        records.
    """
    if num < 0:
        raise InputError(f'generate_dataset: num must be >= 0, got {num}')
    cfg = load_config(config, cfg_options)
    settings = generation_settings(cfg)
    labels = label_metainfo(cfg)  # classes vs head, checked before the generator is loaded
    if batch_size is not None:
        if int(batch_size) < 1:
            raise InputError(f'generate_dataset: batch_size must be >= 1, got {batch_size}')
        settings['batch_size'] = int(batch_size)
    if save_latents is not None:
        settings['save_latents'] = bool(save_latents)
    rank, world_size = get_dist_info()
    device = torch.device(device) if device is not None else _default_device()
    checkpoint = checkpoint or find_interpreter_checkpoint(cfg)
    labeler = build_labeler(cfg, checkpoint, device, **{k: settings[k] for k in (
        'truncation_psi', 'truncation_cutoff', 'batch_size')})
    meta = _describe(cfg, labels, checkpoint, settings, labeler.out_size)
    writer = SampleWriter(out, settings['split'], meta['task'], meta['palette'],
                          settings['img_format'], settings['jpg_quality'],
                          settings['depth_scale'], settings['save_uncertainty'],
                          settings['save_latents'])

    verdict = [_prepare_folder(out, meta, writer, force) if rank == 0 else None]
    broadcast_object_list(verdict, src=0)
    if verdict[0] is not None:  # every rank raises the same error
        raise FolderClaimError(verdict[0])
    done = _done_indices(out, writer)
    todo = [i for i in range(rank, num, world_size) if i not in done]
    records = _generate(labeler, writer, todo, settings['seed'], shard_path(out, rank),
                        rank, world_size, progress and rank == 0, after_sample)

    barrier()
    if rank != 0:
        return records
    records = merge_manifest_shards(out)
    finished = {r['index'] for r in records}
    _write_metainfo(out, dict(meta, num_requested=num, num_done=len(records),
                              complete=all(i in finished for i in range(num))))
    return records


def _default_device() -> torch.device:
    if torch.cuda.is_available():
        return torch.device('cuda', int(os.environ.get('LOCAL_RANK', 0)))
    return torch.device('cpu')


def _generate(labeler, writer: SampleWriter, todo: list[int], base_seed: int, shard: str,
              rank: int, world_size: int, progress: bool,
              after_sample: Callable[[dict[str, Any]], None] | None) -> list[dict[str, Any]]:
    """Label and write the samples ``todo``; append one manifest line per finished sample."""
    for folder in writer.folders():
        os.makedirs(folder, exist_ok=True)
    bar = ProgressBar(len(todo)) if progress and todo else None
    records = []
    for start in range(0, len(todo), labeler.batch_size):
        indices = todo[start:start + labeler.batch_size]
        batch = labeler.label_seeds([base_seed + i for i in indices])
        for j, index in enumerate(indices):
            seed = int(batch.seeds[j])
            with stage('write'):
                paths = writer.write(seed, batch.images[j], batch.labels[j],
                                     batch.uncertainty[j], batch.ws[j])
            record = dict(id=sample_id(seed), index=index, seed=seed, latent=paths['latent'],
                          latent_type='wplus' if paths['latent'] else 'z',
                          score=float(batch.scores[j]), img=paths['img'], ann=paths['ann'],
                          unc=paths['unc'], split=writer.split, rank=rank,
                          world_size=world_size)
            append_record(shard, record)
            records.append(record)
            if bar is not None:
                bar.update()
            if after_sample is not None:
                after_sample(record)
    if bar is not None:
        bar.file.write('\n')
    return records


def _done_indices(out: str, writer: SampleWriter) -> set[int]:
    """Indices whose manifest line is complete and whose files all exist."""
    done = set()
    for record in read_manifest(out):
        files = [record[k] for k in ('img', 'ann', 'unc', 'latent') if record.get(k)]
        if record.get('split') == writer.split and all(
                osp.isfile(path_inside(out, f, f'{out} manifest ({record.get("id")})'))
                for f in files):
            done.add(int(record['index']))
    return done


# ------------------------------------------------------------------------ folder and metainfo
def _describe(cfg: Config, labels: dict[str, Any], checkpoint: str, settings: dict,
              img_size: tuple[int, int]) -> dict[str, Any]:
    """metainfo.json of this run (before counts); ``labels``: :func:`label_metainfo`."""
    task = get_task(labels['task'])
    backbone = cfg.model.backbone
    generator_path = backbone.get('checkpoint')
    if generator_path is not None:
        generator = dict(checkpoint=generator_path, sha256=sha256_file(generator_path))
    else:  # a random generator from kwargs: identified by its kwargs and seed
        generator = dict(checkpoint=None, sha256=None,
                         random=dict(kwargs=backbone.get('generator'),
                                     generator_seed=backbone.get('generator_seed', 0)))
    try:
        config_text = cfg.pretty_text
    except Exception:  # yapf cannot format every config; the plain dump is still exact
        config_text = json.dumps(cfg.to_dict(), default=str, indent=1)
    generation = {k: settings[k] for k in _SAMPLE_SETTINGS}
    meta = dict(
        kind=DATASET_KIND, version=FORMAT_VERSION, task=labels['task'],
        classes=labels['classes'], palette=labels['palette'], split=settings['split'],
        img_size=list(img_size), generation=generation,
        truncation=dict(psi=settings['truncation_psi'], cutoff=settings['truncation_cutoff']),
        generator=generator, generator_sha256=generator['sha256'] or _kwargs_key(generator),
        interpreter=dict(config=cfg.filename, checkpoint=checkpoint),
        interpreter_sha256=sha256_file(checkpoint),
        uncertainty=dict(
            pixel=task.uncertainty,
            png_scale=UNCERTAINTY_SCALE,
            score='mean of the top 10% pixel uncertainties of the image'),
        depth_scale=task.meta_entries(labels['classes'], labels['palette'],
                                      settings['depth_scale']).get('depth_scale'),
        id_format=ID_FORMAT, config_text=config_text)
    return json.loads(json.dumps(meta))  # tuples as lists: compares equal to the file's


def _kwargs_key(generator: dict) -> str:
    return 'random:' + json.dumps(generator['random'], sort_keys=True, default=str)


def _prepare_folder(out: str, meta: dict[str, Any], writer: SampleWriter,
                    force: bool) -> str | None:
    """Start, resume or refuse ``out``; returns the refusal message (None: go on)."""
    try:
        state = claim_folder(out, META_NAME, DATASET_KIND,
                             {k: meta.get(k) for k in FINGERPRINT_KEYS}, force,
                             'use another folder or the same settings, or pass --force '
                             '(force=True) to start over in it', who='generate_dataset')
    except (FolderClaimError, NotADirectoryError) as err:
        return str(err)
    if state == 'new':  # start over: earlier samples are no longer done
        for name in os.listdir(out) if osp.isdir(out) else []:
            if name == MANIFEST_NAME or name.startswith('manifest.rank'):
                os.remove(osp.join(out, name))
    # Temporaries of writes cut by a crash: only in this run's folders and of its own files.
    prepare_folders(out, writer.folders(), root_files=(META_NAME, MANIFEST_NAME))
    if state == 'new':
        _write_metainfo(out, dict(meta, num_requested=None, num_done=0, complete=False))
    return None


def _write_metainfo(out: str, meta: dict[str, Any]) -> None:
    atomic_write(osp.join(out, META_NAME), json_text(meta).encode())
