"""Stages of a pipeline run: each one a command of the project's tools, run as a subprocess,
printed first (so a run doubles as a recipe), timed (wall time and peak memory: see
:mod:`.measure`), and skipped when it finished earlier with the same settings.

The work directory is claimed with :func:`~mmdsgan.datasets.folder_claim.claim_folder`
(``experiment.json``: which experiment config made it); a folder made from another experiment
is refused unless ``force``. Each finished stage leaves ``stages/<name>.json`` with its
*fingerprint*: a hash of its command and of the fingerprints of the stages it reads from. A rerun
skips a stage whose record has the same fingerprint and whose outputs are still there; a stage
whose settings (or whose inputs' settings) changed is refused unless ``force``, which deletes its
outputs (folders of this run only) and runs it again, and so every stage after it.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Iterable, Sequence

from mmdsgan.datasets.folder_claim import FolderClaimError, claim_folder, prepare_folders
from mmdsgan.utils.errors import MmdsganError
from mmdsgan.utils.io import atomic_write

__all__ = ['StageFailed', 'StageRunner']

EXPERIMENT_META = 'experiment.json'
KIND = 'mmdsgan-experiment'


class StageFailed(MmdsganError):
    """A stage's command exited with an error (its own message is printed above)."""


def _digest(obj: Any) -> str:
    return hashlib.sha256(json.dumps(obj, sort_keys=True, default=str).encode()).hexdigest()


class StageRunner:
    """Runs the stages of one experiment in ``work`` (see the module doc).

    Args:
        work: the work directory (created; claimed for ``experiment``).
        experiment: what the work directory belongs to (the experiment config's path).
        cwd: where the commands run (the repository root: tools are given as ``tools/x.py``).
        force: take over a folder of another experiment and redo changed stages.
    """

    def __init__(self, work: Path, experiment: str, cwd: Path, force: bool = False) -> None:
        self.work, self.cwd, self.force = Path(work), Path(cwd), force
        fingerprint = {'experiment': experiment}
        claim_folder(self.work, EXPERIMENT_META, KIND, fingerprint, force,
                     tool_hint='use another --work-dir, or pass --force to run this experiment '
                     'there (stages whose settings differ are redone)', who='handsoff')
        prepare_folders(self.work, [self.work / 'stages'], [EXPERIMENT_META])
        atomic_write(self.work / EXPERIMENT_META,
                     json.dumps(dict(kind=KIND, **fingerprint), indent=2).encode())
        self.fingerprints: dict[str, str] = {}
        self.timings: list[tuple[str, float, float]] = []  # title, seconds, peak MiB

    def run(self, name: str, title: str, args: Sequence[str], outputs: Iterable[Path] = (),
            after: Iterable[str] = (), extra: Any = None) -> bool:
        """Run ``python args...`` unless stage ``name`` finished with the same fingerprint.

        Args:
            name: the stage's unique name (its record is ``stages/<name>.json``).
            title: what it does, printed above its command.
            args: the command after ``python`` (a tool and its arguments).
            outputs: folders/files the stage writes; a record without them means run again,
                and ``force`` deletes them before a stage with changed settings is redone.
            after: the stages whose outputs it reads (their fingerprints enter its own).
            extra: anything else its result depends on (e.g. the labeled sample ids).

        Returns:
            True if the stage ran, False if it was skipped.
        """
        args = [str(a) for a in args]
        outputs = [Path(o) for o in outputs]
        inputs = {a: self.fingerprints[a] for a in after}
        fingerprint = _digest(dict(args=args, inputs=inputs, extra=extra))
        record_file = self.work / 'stages' / f'{name}.json'
        record = json.loads(record_file.read_text()) if record_file.is_file() else None
        if record is not None:
            if record['fingerprint'] == fingerprint and all(o.exists() for o in outputs):
                print(f'\n== {title}: done already ({record_file.name})', flush=True)
                self.fingerprints[name] = fingerprint
                return False
            if record['fingerprint'] != fingerprint:
                if not self.force:
                    raise FolderClaimError(
                        f'handsoff: stage {name!r} in {self.work} was run with other settings '
                        f'({_difference(record, args, inputs, extra)}): pass --force to redo it '
                        f'and the stages after it, or use another --work-dir')
                for out in outputs:
                    _remove(out, self.work)
            record_file.unlink()
        print(f'\n== {title}\n$ python {" ".join(args)}', flush=True)
        start = time.time()
        returncode, peak_mb = _run_measured(args, self.cwd,
                                            self.work / 'stages' / f'{name}.peak_rss')
        if returncode != 0:
            raise StageFailed(f'stage {name!r} ({title}) failed with exit status '
                              f'{returncode}; fix the problem printed above and run '
                              f'again: finished stages are kept')
        seconds = time.time() - start
        self.timings.append((title, seconds, peak_mb))
        self.fingerprints[name] = fingerprint
        atomic_write(record_file, json.dumps(dict(
            name=name, title=title, fingerprint=fingerprint, args=args, inputs=inputs,
            extra=extra, started=round(start, 1), seconds=round(seconds, 1),
            peak_rss_mb=round(peak_mb, 1)),
            indent=2, default=str).encode())
        return True


def _run_measured(args: list[str], cwd: Path, peak_file: Path) -> tuple[int, float]:
    """Run ``python args...`` through :mod:`.measure`; its exit status and its peak resident
    memory in MiB (NaN if the tool died before writing it)."""
    peak_file.unlink(missing_ok=True)
    measure = Path(__file__).with_name('measure.py')  # by path: nothing imported before args
    proc = subprocess.Popen([sys.executable, str(measure), str(peak_file), *args], cwd=cwd)
    try:
        returncode = proc.wait()
    except BaseException:  # e.g. Ctrl-C: the stage must not outlive the runner
        proc.kill()
        proc.wait()
        raise
    try:
        peak = float(peak_file.read_text())
        peak_file.unlink()
    except (OSError, ValueError):
        peak = float('nan')
    return returncode, peak


def _difference(record: dict, args: list[str], inputs: dict, extra: Any) -> str:
    old = record.get('args') or []
    if old != args:
        pairs = [(a, b) for a, b in zip(old, args) if a != b]
        if pairs:
            return f'command: {pairs[0][0]!r} then, {pairs[0][1]!r} now'
        return f'command: {len(old)} arguments then, {len(args)} now'
    if record.get('inputs') != inputs:
        changed = sorted(k for k in inputs if (record.get('inputs') or {}).get(k) != inputs[k])
        return f'the stage(s) it reads from changed: {", ".join(changed) or "a stage"}'
    return 'its inputs (e.g. the labeled ids) changed'


def _remove(path: Path, work: Path) -> None:
    """Delete a stage's output, which must lie inside the work dir (never anything else)."""
    real, root = Path(os.path.realpath(path)), Path(os.path.realpath(work))
    if real == root or root not in real.parents:
        raise FolderClaimError(f'handsoff: refusing to delete {path}: a stage output outside '
                               f'the work dir {work}')
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()
