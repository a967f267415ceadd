"""The manifest of a generated folder: one JSON line per finished sample, and its filtering.

Files: each rank appends to ``manifest.rank<r>.jsonl`` while generating; at the end rank 0
merges every shard into ``manifest.jsonl`` (sorted by sample index, atomically written) and
deletes the shards. Readers (:func:`read_manifest`) take the union of ``manifest.jsonl`` and any
shard left by an interrupted run, so a folder can be read at any time.

A record (one line) holds:

============  ===============================================================================
``id``         file stem, ``seed{seed:08d}``
``index``      sample index i (0-based) in the generated set
``seed``       the seed of its latent: ``z = randn(z_dim, Generator().manual_seed(seed))``
``latent``     ``latents/<id>.npy`` (w+ after truncation) if saved, else null
``latent_type``  ``'wplus'`` if saved, else ``'z'`` (re-create z from ``seed``)
``score``      per-image uncertainty score (mean of the top 10% pixel uncertainties)
``img``        image path relative to the folder
``ann``        label path (seg/depth PNG, keypoints JSON) relative to the folder
``unc``        uncertainty PNG relative to the folder, or null
``split``      split name
``rank``, ``world_size``  the process that wrote it (informative only)
============  ===============================================================================

A line is appended (and fsync'ed) only after all files of its sample are in place, so a
sample is done exactly when its line is complete. A line cut by a crash (no final newline or
invalid JSON) is ignored; its sample is generated again on resume.
"""
from __future__ import annotations

import glob
import json
import math
import os
import os.path as osp
import re
from fractions import Fraction
from typing import Any, Sequence

from mmdsgan.utils.io import atomic_write

__all__ = ['MANIFEST_NAME', 'shard_path', 'read_manifest', 'read_manifest_file', 'append_record',
           'merge_manifest_shards', 'filter_manifest']

MANIFEST_NAME = 'manifest.jsonl'
_SHARD_RE = re.compile(r'^manifest\.rank(\d+)\.jsonl$')


def shard_path(root: str, rank: int) -> str:
    """``<root>/manifest.rank<rank>.jsonl``."""
    return osp.join(root, f'manifest.rank{rank}.jsonl')


def read_manifest_file(path: str) -> list[dict[str, Any]]:
    """Complete records of one manifest file; a torn last line is skipped."""
    if not osp.isfile(path):
        return []
    records = []
    with open(path, encoding='utf-8') as f:
        for line in f:
            if not line.endswith('\n'):
                break  # cut by a crash while appending: that sample is not done
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return records


def _shard_files(root: str) -> list[str]:
    return sorted(p for p in glob.glob(osp.join(root, 'manifest.rank*.jsonl'))
                  if _SHARD_RE.match(osp.basename(p)))


def read_manifest(root: str) -> list[dict[str, Any]]:
    """All finished samples of a generated folder, sorted by index, each id once.

    Reads ``manifest.jsonl`` and every ``manifest.rank<r>.jsonl`` (merge on read).
    """
    by_id: dict[str, dict[str, Any]] = {}
    for path in [osp.join(root, MANIFEST_NAME)] + _shard_files(root):
        for record in read_manifest_file(path):
            by_id.setdefault(record['id'], record)
    return sorted(by_id.values(), key=lambda r: (r['index'], r['id']))


def append_record(path: str, record: dict[str, Any]) -> None:
    """Append one record as a line and flush it to disk.

    A line is written by a single ``write`` of at most a few hundred bytes after any torn
    line left by a crash has been ended, so a complete line is never glued to a torn one.
    """
    line = json.dumps(record, sort_keys=True) + '\n'
    with open(path, 'ab') as f:
        if f.tell() > 0:
            with open(path, 'rb') as g:
                g.seek(-1, os.SEEK_END)
                if g.read(1) != b'\n':
                    f.write(b'\n')  # end a torn line: it stays unreadable, the new one is not
        f.write(line.encode())
        f.flush()
        os.fsync(f.fileno())


def merge_manifest_shards(root: str) -> list[dict[str, Any]]:
    """Write every finished record into ``manifest.jsonl`` (sorted by index) atomically, then
    delete the shards; returns the records."""
    records = read_manifest(root)
    text = ''.join(json.dumps(r, sort_keys=True) + '\n' for r in records)
    atomic_write(osp.join(root, MANIFEST_NAME), text.encode())
    for path in _shard_files(root):
        os.remove(path)
    return records


def filter_manifest(records: Sequence[dict[str, Any]], keep_ratio: float | None = 0.9,
                    max_score: float | None = None) -> list[dict[str, Any]]:
    """Drop the most uncertain samples, as DatasetGAN does before training on generated data.

    Args:
        records: manifest records with ``score`` and ``id``.
        keep_ratio: keep the ``floor(keep_ratio * n)`` least uncertain of the n records
            (0.9: drop the most uncertain 10%); computed exactly for decimal ratios, e.g.
            0.9 of 10 keeps 9. None or 1.0 keeps all.
        max_score: also drop records whose score is above this value (kept: score <= max).

    Both rules may be given; a record is kept when both keep it. Ties: records are ranked by
    ``(score, id)``, so among equal scores at the cut the smaller ids are kept, whatever the
    input order. A missing or NaN score ranks as the most uncertain.

    Returns:
        The kept records, in their input order.
    """
    kept = list(records)
    if keep_ratio is not None:
        if not 0 <= keep_ratio <= 1:
            raise ValueError(f'filter_manifest: keep_ratio must be in [0, 1], got {keep_ratio}')
        num_keep = math.floor(Fraction(str(keep_ratio)) * len(kept))
        ranked = sorted(kept, key=_rank_key)
        keep_ids = {r['id'] for r in ranked[:num_keep]}
        kept = [r for r in kept if r['id'] in keep_ids]
    if max_score is not None:
        kept = [r for r in kept if _score(r) <= max_score]
    return kept


def _score(record: dict[str, Any]) -> float:
    score = record.get('score')
    return math.inf if score is None or math.isnan(score) else float(score)


def _rank_key(record: dict[str, Any]) -> tuple[float, str]:
    return _score(record), str(record['id'])
