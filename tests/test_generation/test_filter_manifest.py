"""filter_manifest: DatasetGAN's uncertainty filtering, counts and ties."""
from __future__ import annotations

import random

import pytest

from mmdsgan.datasets.synthetic import filter_manifest


def _records(scores):
    return [dict(id=f'seed{i:08d}', index=i, score=s) for i, s in enumerate(scores)]


def test_keep_ratio_0_9_of_10_drops_exactly_the_highest_score():
    records = _records([0.3, 0.1, 0.9, 0.2, 0.5, 0.4, 0.8, 0.05, 0.6, 0.7])
    kept = filter_manifest(records, keep_ratio=0.9)
    assert len(kept) == 9
    assert {r['index'] for r in records} - {r['index'] for r in kept} == {2}
    assert [r['index'] for r in kept] == [0, 1, 3, 4, 5, 6, 7, 8, 9]  # input order kept


def test_default_drops_the_most_uncertain_tenth_and_none_keeps_all():
    records = _records([i / 100 for i in range(100)])
    assert [r['index'] for r in filter_manifest(records)] == list(range(90))
    assert len(filter_manifest(records, keep_ratio=None)) == 100
    assert len(filter_manifest(records, keep_ratio=1.0)) == 100
    assert len(filter_manifest(records, keep_ratio=0.57)) == 57  # exact decimal arithmetic
    assert filter_manifest(records, keep_ratio=0.0) == []


def test_ties_keep_the_smaller_ids_whatever_the_order():
    records = _records([0.1, 0.5, 0.5, 0.5, 0.2])
    shuffled = records[:]
    random.Random(0).shuffle(shuffled)
    for given in (records, shuffled):
        kept = filter_manifest(given, keep_ratio=0.6)  # keeps 3: 0.1, 0.2 and the first 0.5
        assert sorted(r['index'] for r in kept) == [0, 1, 4]


def test_max_score_and_both_rules():
    records = _records([0.1, 0.2, 0.3, 0.4, float('nan')])
    assert [r['index'] for r in filter_manifest(records, None, max_score=0.3)] == [0, 1, 2]
    kept = filter_manifest(records, keep_ratio=0.8, max_score=0.35)  # NaN ranks last
    assert [r['index'] for r in kept] == [0, 1, 2]
    with pytest.raises(ValueError, match='keep_ratio'):
        filter_manifest(records, keep_ratio=1.5)
