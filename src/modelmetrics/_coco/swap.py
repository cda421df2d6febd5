"""``init_as_pycocotools()``: code that imports pycocotools gets modelmetrics instead.

Frameworks (torchvision's reference evaluator, detectron2, mmdetection, scripts written
years ago) import ``pycocotools.coco``, ``pycocotools.cocoeval`` and ``pycocotools.mask``
themselves. Registering modelmetrics' drop-ins under those names in ``sys.modules``
makes every later import resolve to them, whether or not pycocotools is installed,
without editing the framework.
"""

from __future__ import annotations

import importlib.machinery
import sys
import types
import warnings

__all__ = ["init_as_pycocotools"]

_NAMES = ("pycocotools", "pycocotools.coco", "pycocotools.cocoeval", "pycocotools.mask")


def _module(name: str, doc: str, *, package: bool = False, **attrs: object) -> types.ModuleType:
    module = types.ModuleType(name, doc)
    module.__spec__ = importlib.machinery.ModuleSpec(name, None, is_package=package)
    if package:
        module.__path__ = []
    module.__dict__.update(attrs)
    return module


def init_as_pycocotools() -> None:
    """Make ``pycocotools``, ``pycocotools.coco``, ``pycocotools.cocoeval`` and
    ``pycocotools.mask`` resolve to modelmetrics in this process.

    After the call, ``from pycocotools.coco import COCO``,
    ``from pycocotools.cocoeval import COCOeval, Params`` and
    ``import pycocotools.mask as mask_utils`` give :class:`modelmetrics.coco.COCO`,
    :class:`modelmetrics.coco.COCOeval`, :class:`modelmetrics.coco.Params` and
    :mod:`modelmetrics.mask`, whose results are ``==`` to pycocotools'. Call it before
    the code that imports pycocotools: a module that already holds pycocotools' classes
    keeps them (a warning says so when pycocotools was imported before). Calling it
    again does nothing.

    Examples
    --------
    Not run as a doctest: it changes ``sys.modules`` for the whole process. ::

        import modelmetrics
        modelmetrics.init_as_pycocotools()
        from pycocotools.cocoeval import COCOeval  # modelmetrics.coco.COCOeval
    """
    from modelmetrics import mask
    from modelmetrics.coco import COCO, COCOeval, Params

    if getattr(sys.modules.get("pycocotools"), "__modelmetrics__", False):
        return
    if any(name in sys.modules for name in _NAMES):
        warnings.warn(
            "pycocotools was imported before init_as_pycocotools(): modules that "
            "imported it already keep pycocotools' own classes",
            RuntimeWarning,
            stacklevel=2,
        )
    coco = _module("pycocotools.coco", "modelmetrics.coco as pycocotools.coco",
                   COCO=COCO, maskUtils=mask)  # fmt: skip
    cocoeval = _module("pycocotools.cocoeval", "modelmetrics.coco as pycocotools.cocoeval",
                       COCOeval=COCOeval, Params=Params, maskUtils=mask)  # fmt: skip
    package = _module(
        "pycocotools",
        "modelmetrics standing in for pycocotools (modelmetrics.init_as_pycocotools)",
        package=True,
        coco=coco,
        cocoeval=cocoeval,
        mask=mask,
        __modelmetrics__=True,
    )
    sys.modules.update(
        {
            "pycocotools": package,
            "pycocotools.coco": coco,
            "pycocotools.cocoeval": cocoeval,
            "pycocotools.mask": mask,
        }
    )
