"""torchmetrics' ``MeanAveragePrecision(backend="pycocotools")`` through the one-line swap:
in a fresh interpreter, ``modelmetrics.init_as_pycocotools()`` makes torchmetrics'
backend modelmetrics, and its results are ``==`` to those of the same code on the real
pycocotools (another fresh interpreter, without the swap).

torchmetrics' detection metrics need torchvision (``box_convert``, and an installation
check): without it the test skips, even in CI, which has no CPU build of torchvision to
install (see the ``torchmetrics_detection`` fixture).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("pycocotools")  # the reference for the numbers


# Code as a torchmetrics user writes it: random images, two batches, bbox and segm.
USER_CODE = textwrap.dedent(
    """
    import json
    import torch
    from torchmetrics.detection import MeanAveragePrecision

    def images(seed, n_images, h=48, w=64):
        g = torch.Generator().manual_seed(seed)
        preds, targets = [], []
        for _ in range(n_images):
            n = int(torch.randint(1, 6, (1,), generator=g))
            xy = torch.rand(n, 2, generator=g) * torch.tensor([w - 24.0, h - 24.0])
            boxes = torch.cat([xy, xy + 4 + 18 * torch.rand(n, 2, generator=g)], 1)
            labels = torch.randint(0, 3, (n,), generator=g)
            # Detections: jittered copies of some objects (some relabelled), plus strays.
            keep = torch.rand(n, generator=g) < 0.8
            jitter = 3 * torch.randn(int(keep.sum()), 4, generator=g)
            stray_xy = torch.rand(2, 2, generator=g) * torch.tensor([w - 24.0, h - 24.0])
            det = torch.cat([(boxes[keep] + jitter), torch.cat([stray_xy, stray_xy + 12], 1)])
            det = torch.stack([det[:, [0, 2]].min(1).values, det[:, [1, 3]].min(1).values,
                               det[:, [0, 2]].max(1).values, det[:, [1, 3]].max(1).values], 1)
            det = det.clamp(0, w - 1)
            det_labels = torch.cat([labels[keep], torch.randint(0, 3, (2,), generator=g)])
            swap = torch.rand(len(det_labels), generator=g) < 0.1
            det_labels = torch.where(swap, (det_labels + 1) % 3, det_labels)
            scores = torch.rand(len(det), generator=g).round(decimals=1)  # ties
            targets.append(dict(boxes=boxes, labels=labels, masks=_masks(boxes, h, w)))
            preds.append(dict(boxes=det, scores=scores, labels=det_labels,
                              masks=_masks(det, h, w)))
        return preds, targets

    def _masks(boxes, h, w):
        out = torch.zeros(len(boxes), h, w, dtype=torch.bool)
        for k, (x0, y0, x1, y1) in enumerate(boxes.round().int().tolist()):
            out[k, y0:y1, x0:x1] = True
            out[k, y0:y1:3, x0:x1:2] = False  # not a rectangle: mask IoU != box IoU
        return out

    out = {}
    for iou_type in ("bbox", "segm"):
        metric = MeanAveragePrecision(backend="pycocotools", iou_type=iou_type,
                                      class_metrics=True)
        for seed in (0, 1):
            metric.update(*images(seed, 3))
        result = metric.compute()
        out[iou_type] = {k: v.tolist() for k, v in sorted(result.items())}
    out["backend"] = [metric._coco_backend.coco.__module__,
                      metric._coco_backend.cocoeval.__module__]
    print(json.dumps(out, sort_keys=True))
    """
)

SWAP = "import modelmetrics; modelmetrics.init_as_pycocotools()\n"


def _run(prefix: str) -> dict[str, object]:
    # The child imports what this process imports (installed, or src/ on PYTHONPATH).
    proc = subprocess.run(
        [sys.executable, "-c", prefix + USER_CODE], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, object] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def test_torchmetrics_mean_ap_on_modelmetrics_gives_pycocotools_numbers(torchmetrics_detection):
    reference = _run("")
    swapped = _run(SWAP)
    assert reference["backend"] == ["pycocotools.coco", "pycocotools.cocoeval"]
    assert swapped["backend"] == ["modelmetrics._coco.api", "modelmetrics._coco.eval"]
    for iou_type in ("bbox", "segm"):
        ours, ref = swapped[iou_type], reference[iou_type]
        assert isinstance(ours, dict)
        assert isinstance(ref, dict)
        assert ref["map"] > 0  # the data gives a real evaluation, not all -1
        # The JSON text: NaN never equals itself, so compare what was printed.
        assert json.dumps(ours, sort_keys=True) == json.dumps(ref, sort_keys=True), iou_type
