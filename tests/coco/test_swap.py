"""``modelmetrics.init_as_pycocotools()``: code written for pycocotools, run in a fresh
interpreter, imports modelmetrics instead and gets pycocotools' numbers."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("pycocotools")  # the reference for the numbers

# A script as a pycocotools user writes it: files in, stats out (and a mask call).
USER_CODE = textwrap.dedent(
    """
    import contextlib, io, json, sys
    import numpy as np
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval, Params
    import pycocotools.mask as mask_utils

    gt_path, dt_path = sys.argv[1], sys.argv[2]
    out = {}
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(gt_path)
        for iou_type in ("bbox", "segm"):
            ev = COCOeval(gt, gt.loadRes(dt_path), iou_type)
            ev.evaluate()
            ev.accumulate()
            ev.summarize()
            out[iou_type] = ev.stats.tolist()
    m = np.asfortranarray(np.eye(6, dtype=np.uint8))
    rle = mask_utils.encode(m)
    out["mask"] = [rle["counts"].decode(), float(mask_utils.area(rle)),
                   mask_utils.toBbox(rle).tolist()]
    out["modules"] = [COCO.__module__, COCOeval.__module__, Params.__module__,
                      mask_utils.__name__]
    print(json.dumps(out))
    """
)

SWAP = "import modelmetrics; modelmetrics.init_as_pycocotools()\n"

# Hides an installed pycocotools, as on a machine without it.
HIDE = textwrap.dedent(
    """
    import importlib.abc, sys
    class _NoPycocotools(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name == "pycocotools" or name.startswith("pycocotools."):
                raise ModuleNotFoundError(f"No module named {name!r}")
            return None
    sys.meta_path.insert(0, _NoPycocotools())
    """
)


def _dataset(folder: Path) -> tuple[str, str]:
    images = [{"id": i, "height": 40, "width": 50} for i in (3, 8)]
    anns, dts = [], []
    for k, (img, x) in enumerate([(3, 2), (3, 20), (8, 5), (8, 30), (8, 12)]):
        poly = [x, 2, x + 12, 2, x + 12, 15, x, 15]
        anns.append({"id": k + 1, "image_id": img, "category_id": 1 + k % 2, "iscrowd": 0,
                     "bbox": [x, 2, 12, 13], "area": 156.0, "segmentation": [poly]})  # fmt: skip
        shifted = [v + (k % 3) for v in poly]
        dts.append({"image_id": img, "category_id": 1 + k % 2, "score": 0.9 - 0.1 * k,
                    "bbox": [x + k % 3, 2 + k % 3, 12, 13], "segmentation": [shifted]})  # fmt: skip
    gt = {"images": images, "annotations": anns,
          "categories": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]}  # fmt: skip
    gt_path, dt_path = folder / "gt.json", folder / "dt.json"
    gt_path.write_text(json.dumps(gt))
    dt_path.write_text(json.dumps(dts))
    return str(gt_path), str(dt_path)


def _run(prefix: str, folder: Path) -> dict[str, object]:
    gt_path, dt_path = _dataset(folder)
    proc = subprocess.run(
        [sys.executable, "-c", prefix + USER_CODE, gt_path, dt_path],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout)
    return result


def test_pycocotools_code_runs_on_modelmetrics_with_pycocotools_numbers(tmp_path):
    reference = _run("", tmp_path)
    swapped = _run(SWAP, tmp_path)
    assert all(str(m).startswith("pycocotools") for m in reference["modules"])  # type: ignore[union-attr]
    assert all(str(m).startswith("modelmetrics") for m in swapped["modules"])  # type: ignore[union-attr]
    for key in ("bbox", "segm", "mask"):
        assert swapped[key] == reference[key], key


def test_the_swap_works_where_pycocotools_is_not_installed(tmp_path):
    reference = _run("", tmp_path)
    hidden = subprocess.run(
        [sys.executable, "-c", HIDE + "import pycocotools"], capture_output=True, text=True
    )
    assert hidden.returncode != 0  # the finder does hide it
    swapped = _run(HIDE + SWAP, tmp_path)
    for key in ("bbox", "segm", "mask"):
        assert swapped[key] == reference[key], key


def test_the_swapped_modules_import_like_packages():
    code = (
        HIDE
        + SWAP
        + textwrap.dedent(
            """
        import importlib, importlib.util, warnings
        import pycocotools
        assert pycocotools.coco.COCO is importlib.import_module("pycocotools.coco").COCO
        assert importlib.util.find_spec("pycocotools.mask") is not None
        from pycocotools import mask, cocoeval
        import modelmetrics
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            modelmetrics.init_as_pycocotools()  # again: nothing happens
        print(mask.__name__, cocoeval.COCOeval.__module__)
        """
        )
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["modelmetrics.mask", "modelmetrics._coco.eval"]


def test_a_swap_after_pycocotools_was_imported_warns():
    code = "import pycocotools.coco, warnings, modelmetrics\n" + textwrap.dedent(
        """
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            modelmetrics.init_as_pycocotools()
        assert any("imported before" in str(w.message) for w in caught), caught
        from pycocotools.coco import COCO
        print(COCO.__module__)
        """
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "modelmetrics._coco.api"
