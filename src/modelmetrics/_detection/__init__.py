"""The detection engine: annotations as columns, COCO's grouping, matching and
accumulation on compiled kernels, the mergeable per-detection state, RLE masks, and the
native APIs built on it (:mod:`modelmetrics.detection`,
:mod:`modelmetrics.instance_segmentation`, :mod:`modelmetrics.mask`). Nothing here
imports the pycocotools-shaped classes of :mod:`modelmetrics._coco` except the native
API's reading of COCO inputs."""
