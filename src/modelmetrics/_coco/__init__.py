"""pycocotools' surface (``COCO``, ``COCOeval``, ``Params``) and ``COCOevalAccumulator``:
thin skins over the detection engine in :mod:`modelmetrics._detection`. Public through
:mod:`modelmetrics.coco`."""
