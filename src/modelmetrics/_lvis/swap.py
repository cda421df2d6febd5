"""``init_as_lvis()``: code that imports lvis-api gets modelmetrics instead.

detectron2's and mmdetection's LVIS evaluators import ``lvis`` themselves
(``from lvis import LVIS, LVISEval, LVISResults``); registering modelmetrics' drop-ins
under lvis-api's module names makes those imports resolve to them, whether or not
lvis-api is installed, without editing the framework.
"""

from __future__ import annotations

import sys
import warnings

from modelmetrics._coco.swap import _module

__all__ = ["init_as_lvis"]

_NAMES = ("lvis", "lvis.lvis", "lvis.results", "lvis.eval")


def init_as_lvis() -> None:
    """Make ``lvis``, ``lvis.lvis``, ``lvis.results`` and ``lvis.eval`` resolve to
    modelmetrics in this process.

    After the call, ``from lvis import LVIS, LVISResults, LVISEval`` gives
    :mod:`modelmetrics.lvis`' classes, whose results are ``==`` to lvis-api's. lvis-api's
    drawing helper ``LVISVis`` is not provided. Call it before the code that imports
    lvis: a module that already holds lvis-api's classes keeps them (a warning says so
    when lvis was imported before). Calling it again does nothing.

    Examples
    --------
    Not run as a doctest: it changes ``sys.modules`` for the whole process. ::

        import modelmetrics
        modelmetrics.init_as_lvis()
        from lvis import LVISEval  # modelmetrics.lvis.LVISEval
    """
    from modelmetrics.lvis import LVIS, LVISEval, LVISResults, Params

    if getattr(sys.modules.get("lvis"), "__modelmetrics__", False):
        return
    if any(name in sys.modules for name in _NAMES):
        warnings.warn(
            "lvis was imported before init_as_lvis(): modules that imported it already "
            "keep lvis-api's own classes",
            RuntimeWarning,
            stacklevel=2,
        )
    modules = {
        "lvis.lvis": _module("lvis.lvis", "modelmetrics.lvis as lvis.lvis", LVIS=LVIS),
        "lvis.results": _module(
            "lvis.results", "modelmetrics.lvis as lvis.results", LVISResults=LVISResults
        ),
        "lvis.eval": _module(
            "lvis.eval", "modelmetrics.lvis as lvis.eval", LVISEval=LVISEval, Params=Params
        ),
    }
    package = _module(
        "lvis",
        "modelmetrics standing in for lvis-api (modelmetrics.init_as_lvis)",
        package=True,
        LVIS=LVIS,
        LVISResults=LVISResults,
        LVISEval=LVISEval,
        lvis=modules["lvis.lvis"],
        results=modules["lvis.results"],
        eval=modules["lvis.eval"],
        __modelmetrics__=True,
    )
    sys.modules.update({"lvis": package, **modules})
