"""classification_metrics, ClassificationAccumulator and confusion_view."""

from __future__ import annotations

import itertools
import pickle
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import modelmetrics.classification as mm
from modelmetrics.exceptions import InvalidParameterError

skm = pytest.importorskip("sklearn.metrics")


@st.composite
def labelled_batches(draw):
    domain = draw(st.sampled_from([[0, 1], [0, 1, 2, 3], ["a", "b", "c"], [-3, 7, 1000]]))
    n = draw(st.integers(1, 60))
    y_true = draw(st.lists(st.sampled_from(domain), min_size=n, max_size=n))
    y_pred = draw(st.lists(st.sampled_from(domain), min_size=n, max_size=n))
    cuts = sorted(draw(st.lists(st.integers(1, n - 1), max_size=4, unique=True))) if n > 1 else []
    weighted = draw(st.booleans())
    weights = (
        draw(st.lists(st.floats(0.1, 10.0, allow_subnormal=False), min_size=n, max_size=n))
        if weighted
        else None
    )
    return np.array(y_true), np.array(y_pred), weights, cuts


def _check_against_sklearn(result, y_true, y_pred, weights):
    # Values only: the reference's warnings (single label, absent classes) are not ours.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _compare(result, y_true, y_pred, weights)


def _compare(result, y_true, y_pred, weights):
    exact = weights is None
    close = (lambda a, b: a == b) if exact else (lambda a, b: np.allclose(a, b, rtol=1e-12))
    ref_cm = skm.confusion_matrix(y_true, y_pred, sample_weight=weights)
    assert result.labels.tolist() == np.unique(np.concatenate([y_true, y_pred])).tolist()
    assert np.all(close(result.confusion_matrix, ref_cm))
    assert close(result.accuracy, skm.accuracy_score(y_true, y_pred, sample_weight=weights))
    ref_bal = skm.balanced_accuracy_score(y_true, y_pred, sample_weight=weights)
    assert (np.isnan(ref_bal) and np.isnan(result.balanced_accuracy)) or close(
        result.balanced_accuracy, ref_bal
    )
    p, r, f, s = skm.precision_recall_fscore_support(
        y_true, y_pred, sample_weight=weights, zero_division=0.0
    )
    for ours, ref in ((result.precision, p), (result.recall, r), (result.fbeta, f)):
        assert np.all(close(ours, ref))
    assert np.all(close(result.support, s))
    for average in ("micro", "macro", "weighted"):
        ref = skm.precision_recall_fscore_support(
            y_true, y_pred, average=average, sample_weight=weights, zero_division=0.0
        )
        got = result.averages[average]
        assert close(got["precision"], ref[0])
        assert close(got["recall"], ref[1])
        assert close(got["fbeta"], ref[2])


@given(labelled_batches())
def test_one_shot_matches_sklearn(case):
    y_true, y_pred, weights, _ = case
    result = mm.classification_metrics(y_true, y_pred, sample_weight=weights)
    _check_against_sklearn(result, y_true, y_pred, weights)


@given(labelled_batches(), st.randoms(use_true_random=False))
def test_batches_and_merges_equal_one_shot(case, rnd):
    y_true, y_pred, weights, cuts = case
    bounds = [0, *cuts, len(y_true)]
    shards = []
    for a, b in itertools.pairwise(bounds):
        acc = mm.ClassificationAccumulator()
        w = None if weights is None else weights[a:b]
        acc.update(y_true[a:b], y_pred[a:b], w)
        shards.append(acc)
    rnd.shuffle(shards)  # any merge order
    merged = shards[0]
    for shard in shards[1:]:
        merged.merge(pickle.loads(pickle.dumps(shard)))
    one_shot = mm.classification_metrics(y_true, y_pred, sample_weight=weights)
    result = merged.compute()
    assert result.labels.tolist() == one_shot.labels.tolist()
    if weights is None:
        assert np.array_equal(result.confusion_matrix, one_shot.confusion_matrix)
        assert result.accuracy == one_shot.accuracy
        assert np.array_equal(result.fbeta, one_shot.fbeta)
    else:
        assert np.allclose(result.confusion_matrix, one_shot.confusion_matrix, rtol=1e-12)
        assert np.allclose(result.fbeta, one_shot.fbeta, rtol=1e-12)


def test_fixed_labels_keep_order_and_reject_unknown():
    acc = mm.ClassificationAccumulator(labels=["dog", "cat", "bird"])
    acc.update(["cat", "dog"], ["cat", "cat"])
    result = acc.compute()
    assert result.labels.tolist() == ["dog", "cat", "bird"]
    assert result.confusion_matrix.tolist() == [[0, 1, 0], [0, 1, 0], [0, 0, 0]]
    with pytest.raises(ValueError, match=r"\['fish'\] are not among"):
        acc.update(["fish"], ["cat"])


def test_merge_rejects_other_settings_and_types():
    with pytest.raises(ValueError, match="different settings"):
        mm.ClassificationAccumulator(beta=2.0).merge(mm.ClassificationAccumulator())
    with pytest.raises(TypeError, match="cannot merge"):
        mm.ClassificationAccumulator().merge(object())  # type: ignore[arg-type]


def test_mixing_string_and_numeric_batches_is_an_error():
    acc = mm.ClassificationAccumulator().update([0, 1], [1, 0])
    with pytest.raises(ValueError, match="Mix of label input types"):
        acc.update(["a"], ["b"])


def test_empty_accumulator_and_reset():
    acc = mm.ClassificationAccumulator()
    with pytest.raises(ValueError, match="no samples"):
        acc.compute()
    acc.update([0, 1], [0, 1])
    acc.reset()
    with pytest.raises(ValueError, match="no samples"):
        acc.compute()


def test_bad_settings():
    with pytest.raises(InvalidParameterError, match="beta"):
        mm.ClassificationAccumulator(beta=-1)
    with pytest.raises(ValueError, match="zero_division"):
        mm.ClassificationAccumulator(zero_division="warn")
    with pytest.raises(ValueError, match="unique"):
        mm.ClassificationAccumulator(labels=[1, 1])


def test_as_dict_is_json_native():
    import json

    result = mm.classification_metrics(["a", "b", "b", "c"], ["a", "b", "c", "c"])
    data = result.as_dict()
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text) == data
    assert data["confusion-matrix"]["labels"] == ["a", "b", "c"]
    assert data["per-class"]["b"]["recall"] == 0.5
    assert data["accuracy"] == 0.75


def test_class_accuracy_is_one_vs_rest():
    result = mm.classification_metrics([0, 0, 1, 2], [0, 1, 1, 1])
    # class 1: tp=1, fp=2, fn=0, tn=1 -> (1 + 1) / 4
    assert result.class_accuracy.tolist() == [0.75, 0.5, 0.75]


class TestConfusionView:
    cm = np.array([[50, 3, 0, 1], [8, 20, 1, 0], [0, 0, 5, 0], [2, 0, 0, 40]])
    labels = ("a", "b", "c", "d")

    def test_most_confused_orders_by_off_diagonal_mass(self):
        view = mm.confusion_view(self.cm, self.labels, max_classes=None)
        # off-diagonal mass: a=14, b=12, c=1, d=3
        assert view.labels == ["a", "b", "d", "c"]
        assert view.matrix.sum() == self.cm.sum()

    def test_most_common_orders_by_support(self):
        view = mm.confusion_view(self.cm, self.labels, order="most-common", max_classes=None)
        assert view.labels == ["a", "d", "b", "c"]

    def test_cap_folds_the_rest_without_losing_counts(self):
        view = mm.confusion_view(self.cm, self.labels, max_classes=2)
        assert view.labels == ["a", "b", "other"]
        assert view.folded == ["c", "d"]
        assert view.matrix.sum() == self.cm.sum()
        assert view.matrix.tolist() == [[50, 3, 1], [8, 20, 1], [2, 0, 45]]

    def test_class_filter(self):
        view = mm.confusion_view(self.cm, self.labels, classes=["c", "b"], max_classes=None)
        assert view.labels == ["b", "c", "other"]
        assert view.matrix.sum() == self.cm.sum()

    def test_default_shows_seven(self):
        cm = np.diag(np.arange(1, 11))
        cm[0, 1] = 5
        view = mm.confusion_view(cm, list(range(10)))
        assert len(view.labels) == 8
        assert view.labels[-1] == "other"
        assert view.matrix.sum() == cm.sum()

    @pytest.mark.parametrize(
        ("kwargs", "error", "match"),
        [
            ({"matrix": [[1, 2]]}, ValueError, "square"),
            ({"labels": ["a"]}, ValueError, "one entry per matrix row"),
            ({"order": "largest"}, ValueError, "order"),
            ({"max_classes": 0}, ValueError, "max_classes"),
            ({"classes": ["z"]}, ValueError, "not among"),
            ({"matrix": [["x", "y"], ["z", "w"]], "labels": ["a", "b"]}, TypeError, "numeric"),
        ],
    )
    def test_bad_input(self, kwargs, error, match):
        args = {"matrix": self.cm, "labels": self.labels, **kwargs}
        with pytest.raises(error, match=match):
            mm.confusion_view(args.pop("matrix"), args.pop("labels"), **args)
