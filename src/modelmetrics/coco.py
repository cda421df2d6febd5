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
non-numeric fields, negative box sizes, non-finite scores, result image ids absent from
the ground truth) raise ``ValueError`` naming the annotation index and field, an empty
result list raises ``ValueError`` unless ``loadRes(..., allow_empty=True)``, and
progress messages print only with ``verbose=True``.

JSON files given by path are read by a compiled reader straight into columns (several
times faster than ``json``/``orjson`` plus dicts, and without a Python object per
annotation); the ``dataset`` dicts and indexes are parsed from the file's bytes only
when first used, which evaluation never does.
"""

from modelmetrics._coco_api import COCO
from modelmetrics._cocoeval import COCOeval, Params

__all__ = ["COCO", "COCOeval", "Params"]
