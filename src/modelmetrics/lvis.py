"""LVIS evaluation: a drop-in for lvis-api (``pip install lvis``, 0.5.x).

Replace::

    from lvis import LVIS, LVISResults, LVISEval

by::

    from modelmetrics.lvis import LVIS, LVISResults, LVISEval

and ``LVISEval(...).run()`` gives ``results`` (AP, AP50, AP75, APs, APm, APl, APr,
APc, APf, AR@300, ARs@300, ARm@300, ARl@300), ``eval["precision"]`` and
``eval["recall"]`` ``==`` to lvis-api's: federated evaluation (detections count only
in images whose ground truth has their category or lists it in ``neg_category_ids``;
unmatched detections of an image's ``not_exhaustive_category_ids`` are ignored), at
most 300 results per image, AP by category frequency (``r``, ``c``, ``f``), bbox and
segm, computed by the compiled COCO engine on all cores.

Differences, all for inputs lvis-api mishandles or for what it costs: numpy 2 works
(lvis-api 0.5.3 uses the removed ``np.float``); an invalid annotation, an empty result
list or a category without ``r``/``c``/``f`` frequency is a ``ValueError``; a dataset
dict is accepted where lvis-api wants a path; ``params.use_cats = 0`` is a
``ValueError`` (lvis-api matches nothing then and fails in its summary);
``eval["dt_pointers"]`` is not built, and ``eval_imgs`` and ``ious`` are built on first
use; ``LVIS.download`` is not provided (it fetches images).
"""

from modelmetrics._lvis.api import LVIS, LVISResults
from modelmetrics._lvis.eval import LVISEval, Params

__all__ = ["LVIS", "LVISEval", "LVISResults", "Params"]
