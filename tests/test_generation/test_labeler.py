"""SyntheticLabeler: per-seed latents, fixed-shape batches, output shapes."""
from __future__ import annotations

import numpy as np
import torch

from mmdsgan.models.generators import z_from_seeds
from mmdsgan.models.labeling import SyntheticLabeler


def test_z_from_seeds_depends_on_the_seed_only():
    together = z_from_seeds([5, 6, 7], 16)  # (3, 16)
    alone = z_from_seeds([6], 16)
    assert together.shape == (3, 16)
    assert torch.equal(together[1], alone[0])
    assert torch.equal(alone[0], torch.randn(16, generator=torch.Generator().manual_seed(6)))


def test_outputs_shapes_and_ranges(labeler):
    batch = labeler.label_seeds([100, 101, 102, 103])  # 3 + a padded batch of 1
    assert batch.images.shape == (4, 32, 32, 3) and batch.images.dtype == np.uint8
    assert batch.labels.shape == (4, 32, 32)
    assert 0 <= batch.labels.min() and batch.labels.max() < 4
    assert len(np.unique(batch.labels)) > 1
    assert batch.uncertainty.shape == (4, 32, 32) and (batch.uncertainty >= 0).all()
    assert batch.uncertainty.max() <= np.log(3) + 1e-5  # JS of 3 members <= log 3
    assert batch.scores.shape == (4,)
    top = np.sort(batch.uncertainty.reshape(4, -1), 1)[:, -103:]  # ceil(10% of 1024)
    np.testing.assert_allclose(batch.scores, top.mean(1), rtol=1e-5)
    assert batch.ws.shape == (4, labeler.generator.num_ws, 16)


def test_sample_is_independent_of_its_batch(labeler):
    """Same batch size: bit-identical whatever the other seeds or the position."""
    a = labeler.label_seeds([100, 101, 102])
    b = labeler.label_seeds([7, 102, 100])
    c = labeler.label_seeds([101])  # padded to 3
    assert np.array_equal(a.images[0], b.images[2]) and np.array_equal(a.labels[2], b.labels[1])
    assert np.array_equal(a.images[1], c.images[0]) and np.array_equal(a.labels[1], c.labels[0])
    assert np.array_equal(a.uncertainty[1], c.uncertainty[0]) and a.scores[1] == c.scores[0]


def test_batch_sizes_1_and_3_give_the_same_samples(labeler):
    """Across batch sizes the latents are identical and the outputs agree up to rounding."""
    one = SyntheticLabeler(labeler.model, labeler.truncation_psi, labeler.truncation_cutoff,
                           batch_size=1).label_seeds([100, 101, 102])
    three = labeler.label_seeds([100, 101, 102])
    np.testing.assert_allclose(one.ws, three.ws, atol=1e-5)
    assert np.abs(one.images.astype(int) - three.images.astype(int)).max() <= 1
    assert (one.images == three.images).mean() > 0.99
    assert (one.labels == three.labels).mean() > 0.99
    np.testing.assert_allclose(one.scores, three.scores, rtol=1e-4)
