"""COCO evaluation: a bit-identical drop-in for ``pycocotools.coco`` and ``pycocotools.cocoeval``.

Replace::

    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

by::

    from modelmetrics.coco import COCO, COCOeval

and ``stats``, ``eval["precision"]``, ``eval["recall"]`` and ``eval["scores"]`` are
``==`` to pycocotools' (same parameters, same quirks: float64 ``np.linspace``
thresholds, ``np.spacing(1)`` in precision, stable tie order, inclusive area bounds,
``ignore`` taken from ``iscrowd``), computed by compiled kernels on all cores.

Differences, all for inputs pycocotools mishandles: invalid annotations (missing or
non-numeric fields, negative box sizes, non-finite scores, result image or category ids
absent from the ground truth, which pycocotools asserts on or silently drops) raise
``ValueError`` naming the annotation index and field, an empty result list raises
``ValueError`` unless ``loadRes(..., allow_empty=True)``, ``summarize(fix_max_dets=True)``
reports AP@[.50:.95] at ``maxDets[2]`` instead of a hard-coded 100, and progress messages
print only with ``verbose=True``.

``iouType`` may be ``"bbox"``, ``"segm"`` or ``"keypoints"`` (object keypoint
similarity with ``params.kpt_oks_sigmas``, any number of keypoints; keypoint results
get their box and area from the keypoints, as in ``loadRes``). For ``"segm"`` every
segmentation is converted as
``COCO.annToRLE`` does (polygons rasterised and merged, uncompressed RLEs compressed)
and the mask IoUs are pycocotools' ``rleIou``, in C on all cores. Unlike pycocotools,
``evaluate`` does not replace the ``segmentation`` of the annotation dicts by their
RLEs (use ``annToRLE`` for those), and an invalid segmentation or an image without
``height``/``width`` is a ``ValueError`` naming the annotation.

JSON files given by path are read by a compiled reader straight into columns (several
times faster than ``json``/``orjson`` plus dicts, and without a Python object per
annotation); the ``dataset`` dicts and indexes are parsed from the file's bytes only
when first used, which evaluation never does.

``COCOevalAccumulator`` evaluates shards of images separately (other processes or
machines) and merges them: ``eval`` and ``stats`` stay ``==`` to one ``COCOeval``.

``CocoEvaluator`` is torchvision's reference evaluator (``references/detection/coco_eval.py``):
``update`` a model's outputs batch by batch (numpy arrays or torch tensors, torch never
imported), ``synchronize_between_processes``, ``accumulate``, ``summarize``; its
``coco_eval[iou_type]`` results are ``==`` to torchvision's. Batches are kept as compact
columns (masks as compressed RLEs) and evaluated once, at ``accumulate``; an image given
twice keeps its first predictions, as torchvision's merge does.
"""

from modelmetrics._coco.accumulator import COCOevalAccumulator
from modelmetrics._coco.api import COCO
from modelmetrics._coco.eval import COCOeval, Params
from modelmetrics._coco.evaluator import CocoEvaluator

__all__ = ["COCO", "COCOeval", "COCOevalAccumulator", "CocoEvaluator", "Params"]
