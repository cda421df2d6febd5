"""``modelmetrics.lvis`` against lvis-api (the reference) on generated LVIS datasets:
``results``, ``eval["precision"]``/``["recall"]``, ``eval_imgs`` and ``ious`` ``==``."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _lvis_cases import assert_same_lvis_eval, lvis_cases, run_lvis
from hypothesis import HealthCheck, given, settings

import modelmetrics.lvis as mm

lvis_api = pytest.importorskip("lvis")

# lvis-api logs with the deprecated Logger.warn.
pytestmark = pytest.mark.filterwarnings("ignore:The 'warn' method is deprecated:DeprecationWarning")


@pytest.fixture(autouse=True)
def _lvis_api_on_numpy_2(monkeypatch: pytest.MonkeyPatch) -> None:
    # lvis-api 0.5.3 casts with np.float, removed in numpy 1.24: give it the builtin
    # it stood for, so the reference runs unchanged.
    monkeypatch.setattr(np, "float", float, raising=False)


def _both(case: dict[str, Any], iou_type: str, configure: Any = None) -> tuple[Any, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gt.json"
        ref = run_lvis(lvis_api, case, path, iou_type, configure)
        ours = run_lvis(mm, case, path, iou_type, configure)
    return ours, ref


def _same_records(ours: Any, ref: Any) -> None:
    assert len(ours.eval_imgs) == len(ref.eval_imgs)
    for a, b in zip(ours.eval_imgs, ref.eval_imgs, strict=True):
        assert (a is None) == (b is None)
        if a is None:
            continue
        assert a.keys() == b.keys()
        for key in ("image_id", "category_id", "area_rng", "dt_ids", "gt_ids", "dt_scores"):
            assert a[key] == b[key], key
        for key in ("dt_matches", "gt_matches", "gt_ignore", "dt_ignore"):
            assert np.array_equal(np.asarray(a[key]), np.asarray(b[key])), key
            assert np.asarray(a[key]).shape == np.asarray(b[key]).shape, key
    assert ours.ious.keys() == ref.ious.keys()
    for key, value in ref.ious.items():
        mine = ours.ious[key]
        if isinstance(value, list):
            assert isinstance(mine, list), key
            assert mine == value, key
        else:
            assert np.array_equal(mine, value), key


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=lvis_cases())
def test_bbox_matches_lvis_api(case: dict[str, Any]) -> None:
    ours, ref = _both(case, "bbox")
    assert_same_lvis_eval(ours, ref)
    _same_records(ours, ref)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=lvis_cases(segm=True))
def test_segm_matches_lvis_api(case: dict[str, Any]) -> None:
    ours, ref = _both(case, "segm")
    assert_same_lvis_eval(ours, ref)
    _same_records(ours, ref)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=lvis_cases())
def test_image_and_category_subsets_match_lvis_api(case: dict[str, Any]) -> None:
    img_ids = [img["id"] for img in case["gt"]["images"]][::2]
    cat_ids = sorted(c["id"] for c in case["gt"]["categories"])[1:]

    def configure(p: Any) -> None:
        p.img_ids = img_ids
        p.cat_ids = cat_ids

    ours, ref = _both(case, "bbox", configure)
    assert_same_lvis_eval(ours, ref)
