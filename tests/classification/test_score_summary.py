"""score_metrics and ScoreAccumulator: streamed ROC/PR metrics equal the one-shot ones."""

from __future__ import annotations

import itertools
import pickle
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import modelmetrics.classification as mm
from modelmetrics.exceptions import UndefinedMetricWarning

skm = pytest.importorskip("sklearn.metrics")


@st.composite
def scored_batches(draw):
    n = draw(st.integers(2, 80))
    labels = draw(
        st.lists(st.integers(0, 1), min_size=n, max_size=n).filter(lambda v: 0 < sum(v) < n)
    )
    # Few distinct scores so that ties across batches are common.
    scores = draw(
        st.lists(st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.75, 1.0]), min_size=n, max_size=n)
    )
    weights = draw(
        st.none() | st.lists(st.floats(0.1, 5.0, allow_subnormal=False), min_size=n, max_size=n)
    )
    cuts = sorted(draw(st.lists(st.integers(1, n - 1), max_size=4, unique=True)))
    return np.array(labels), np.array(scores), None if weights is None else np.array(weights), cuts


def _reference(labels, scores, weights):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return (
            skm.roc_auc_score(labels, scores, sample_weight=weights),
            skm.average_precision_score(labels, scores, sample_weight=weights),
            skm.roc_curve(labels, scores, sample_weight=weights),
            skm.precision_recall_curve(labels, scores, sample_weight=weights),
        )


@given(scored_batches(), st.randoms(use_true_random=False))
def test_batches_in_any_merge_order_match_sklearn(case, rnd):
    labels, scores, weights, cuts = case
    bounds = [0, *cuts, len(labels)]
    shards = []
    for a, b in itertools.pairwise(bounds):
        w = None if weights is None else weights[a:b]
        shards.append(mm.ScoreAccumulator().update(labels[a:b], scores[a:b], w))
    rnd.shuffle(shards)
    merged = shards[0]
    for shard in shards[1:]:
        merged.merge(pickle.loads(pickle.dumps(shard)))
    result = merged.compute()
    auc, ap, (fpr, tpr, roc_thr), (precision, recall, pr_thr) = _reference(labels, scores, weights)
    assert result.n_samples == len(labels)
    assert result.n_positive == int(labels.sum())
    if weights is None:  # exact whatever the order: tied groups count as wholes
        assert result.roc_auc == auc
        assert result.average_precision == ap
        assert np.array_equal(result.fpr, fpr)
        assert np.array_equal(result.tpr, tpr)
        assert np.array_equal(result.roc_thresholds, roc_thr)
        assert np.array_equal(result.precision, precision)
        assert np.array_equal(result.recall, recall)
        assert np.array_equal(result.pr_thresholds, pr_thr)
    else:  # tied weights are summed in arrival order
        assert result.roc_auc == pytest.approx(auc, rel=1e-12)
        assert result.average_precision == pytest.approx(ap, rel=1e-12)
        np.testing.assert_allclose(result.tpr, tpr, rtol=1e-12)


def test_one_shot_equals_the_drop_ins_bit_for_bit():
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 2, 5000)
    scores = rng.random(5000).round(2)
    weights = rng.random(5000)
    result = mm.score_metrics(labels, scores, sample_weight=weights)
    assert result.roc_auc == mm.roc_auc_score(labels, scores, sample_weight=weights)
    assert result.average_precision == mm.average_precision_score(
        labels, scores, sample_weight=weights
    )
    assert result.roc_auc == skm.roc_auc_score(labels, scores, sample_weight=weights)


def test_string_labels_need_pos_label():
    with pytest.raises(ValueError, match="pos_label"):
        mm.ScoreAccumulator().update(["cat", "dog"], [0.1, 0.9])
    result = mm.score_metrics(["cat", "dog", "dog"], [0.1, 0.9, 0.3], pos_label="dog")
    assert result.roc_auc == 1.0
    assert result.n_positive == 2


def test_signed_labels_and_inconsistent_batches():
    acc = mm.ScoreAccumulator().update([-1, 1], [0.2, 0.7])
    assert acc.compute().roc_auc == 1.0
    with pytest.raises(ValueError, match=r"\{0, 1\} or \{-1, 1\}"):
        acc.update([0, 1], [0.5, 0.5])


def test_single_class_gives_nan_auc_without_crashing():
    with pytest.warns(UndefinedMetricWarning, match="No negative samples"):
        result = mm.score_metrics([1, 1, 1], [0.2, 0.5, 0.9])
    assert np.isnan(result.roc_auc)
    assert result.average_precision == 1.0
    data = result.as_dict()
    assert data["roc-auc"] is None


@pytest.mark.parametrize(
    ("y_true", "y_score", "kwargs", "error", "match"),
    [
        ([0, 1], [0.5], {}, ValueError, "inconsistent numbers of samples"),
        ([0, 1], [0.5, np.nan], {}, ValueError, "y_score contains NaN"),
        ([0, 1], ["a", "b"], {}, TypeError, "y_score must be numeric"),
        ([0, 1, 2], [0.1, 0.2, 0.3], {"pos_label": 2}, ValueError, "more than two classes"),
        ([0, 1], [0.1, 0.2], {"sample_weight": [1.0, -1.0]}, ValueError, "non-negative"),
    ],
)
def test_bad_input(y_true, y_score, kwargs, error, match):
    pos_label = kwargs.pop("pos_label", None)
    with pytest.raises(error, match=match):
        mm.ScoreAccumulator(pos_label=pos_label).update(y_true, y_score, **kwargs)


def test_compute_needs_samples_and_merge_checks_settings():
    with pytest.raises(ValueError, match="no samples"):
        mm.ScoreAccumulator().compute()
    with pytest.raises(ValueError, match="different settings"):
        mm.ScoreAccumulator(pos_label=1).merge(mm.ScoreAccumulator(pos_label=0))
