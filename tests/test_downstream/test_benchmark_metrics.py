"""The benchmark's table for label types other than seg (``metrics`` in the spec)."""
from __future__ import annotations

import pytest

from mmdsgan.evaluation.benchmark import load_spec, write_report
from mmdsgan.utils.errors import ConfigError


def _result(arm, seed, pck):
    return dict(arm=arm, seed=seed, labeled_images=16, absent='nan', cross_validation=None,
                metrics={'PCK@0.1': pck, 'PCK@0.05': pck / 2}, num_test_images=200,
                test_images_sha256='ab' * 32)


def test_metrics_table_has_mean_and_std_per_arm(tmp_path):
    results = [_result('synthetic', 0, 80.0), _result('synthetic', 1, 90.0),
               _result('real16', 0, 50.0), _result('real16', 1, 50.0)]
    text = write_report(results, str(tmp_path), ['PCK@0.1', 'PCK@0.05'])
    assert '| arm | labeled images | seeds | PCK@0.1 | PCK@0.05 |' in text
    assert '| synthetic | 16 | 2 | 85 ± 5 | 42.5 ± 2.5 |' in text  # population std
    assert '| real16 | 16 | 2 | 50 ± 0 | 25 ± 0 |' in text
    assert (tmp_path / 'results.md').read_text() == text
    assert (tmp_path / 'results.png').is_file()


def test_spec_metrics_are_checked(tmp_path, repo_root):
    config = repo_root / 'configs/downstream/' \
        'unet-c16-s5-d16_depth-silog_1xb16-1k_real16-toy-faces-depth-64x64.py'
    spec = tmp_path / 'spec.py'
    body = f"arms = [dict(name='a', config={str(config)!r})]\n"
    spec.write_text(body + "metrics = 'rmse'\n")
    with pytest.raises(ConfigError, match='non-empty list of metric names'):
        load_spec(str(spec))
    spec.write_text(body + "metrics = ['rmse']\ncross_validation = dict(folds=5)\n")
    with pytest.raises(ConfigError, match='segmentation only'):
        load_spec(str(spec))
    spec.write_text(body)
    assert load_spec(str(spec)).metrics is None  # seg: PerClassIoUMetric as before
