"""modelmetrics: fast, exact performance metrics for trained models.

Public modules: :mod:`modelmetrics.classification`, :mod:`modelmetrics.regression`,
:mod:`modelmetrics.detection`, :mod:`modelmetrics.instance_segmentation`,
:mod:`modelmetrics.keypoints`, :mod:`modelmetrics.segmentation`, the drop-ins
:mod:`modelmetrics.coco`, :mod:`modelmetrics.mask` and :mod:`modelmetrics.lvis`,
:mod:`modelmetrics.analysis`, :mod:`modelmetrics.report` and
:mod:`modelmetrics.distributed`. Thread control lives here, and
:func:`init_as_pycocotools` and :func:`init_as_lvis`, which make code that imports
pycocotools or lvis-api use modelmetrics.
"""

from importlib.metadata import PackageNotFoundError, version

from modelmetrics._coco.swap import init_as_pycocotools
from modelmetrics._core.parallel import get_num_threads, num_threads, set_num_threads
from modelmetrics._lvis.swap import init_as_lvis

try:
    __version__ = version("modelmetrics")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0"

__all__ = [
    "__version__",
    "get_num_threads",
    "init_as_lvis",
    "init_as_pycocotools",
    "num_threads",
    "set_num_threads",
]
