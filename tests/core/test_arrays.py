"""Array helpers of modelmetrics._core.arrays."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from modelmetrics._core.arrays import sorted_unique


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        st.lists(st.integers(-(2**63), 2**63 - 1)).map(lambda v: np.array(v, dtype=np.int64)),
        st.lists(st.integers(0, 2**64 - 1)).map(lambda v: np.array(v, dtype=np.uint64)),
        st.lists(st.integers(-5, 5)).map(lambda v: np.array(v, dtype=np.int8)),
        st.lists(st.booleans()).map(lambda v: np.array(v, dtype=bool)),
        st.lists(st.floats(allow_nan=True)).map(lambda v: np.array(v, dtype=np.float64)),
        st.lists(st.integers(-3, 3), max_size=5).map(list),
    )
)
def test_sorted_unique_is_np_unique(values):
    got, expected = sorted_unique(values), np.unique(values)
    assert got.dtype == expected.dtype
    assert np.array_equal(got, expected, equal_nan=expected.dtype.kind == "f")


def test_coco_evaluation_does_not_import_numpy_ma():
    """np.unique imports numpy.ma on its first call (tens of milliseconds where no byte
    code is cached): loading, evaluating and summarising COCO files stays clear of it."""
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent(
        """
        import contextlib, io, json, sys, tempfile, os
        import numpy as np
        from modelmetrics import mask
        from modelmetrics.coco import COCO, COCOeval
        box = np.zeros((20, 20), np.uint8, order="F")
        box[1:6, 1:5] = 1
        counts = mask.encode(box)["counts"].decode()
        gt = {"images": [{"id": 9, "height": 20, "width": 20}],
              "categories": [{"id": 1}, {"id": 2}],
              "annotations": [{"id": 5, "image_id": 9, "category_id": 1, "bbox": [1, 1, 5, 5],
                               "area": 25, "iscrowd": 0,
                               "segmentation": [[1, 1, 6, 1, 6, 6, 1, 6]]}]}
        dt = [{"image_id": 9, "category_id": 1, "bbox": [1, 1, 4, 5], "score": 0.5,
               "segmentation": {"size": [20, 20], "counts": counts}}]
        folder = tempfile.mkdtemp()
        for name, doc in (("gt.json", gt), ("dt.json", dt)):
            with open(os.path.join(folder, name), "w") as f:
                json.dump(doc, f)
        coco = COCO(os.path.join(folder, "gt.json"))
        for iou_type in ("bbox", "segm"):
            ev = COCOeval(coco, coco.loadRes(os.path.join(folder, "dt.json")), iou_type)
            ev.evaluate()
            ev.accumulate()
            with contextlib.redirect_stdout(io.StringIO()):
                ev.summarize()
        print("numpy.ma" in sys.modules)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
