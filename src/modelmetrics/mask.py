"""RLE masks: a bit-identical drop-in for ``pycocotools.mask``.

Replace ``import pycocotools.mask as mask_util`` by
``import modelmetrics.mask as mask_util``: ``encode``, ``decode``, ``area``,
``toBbox``, ``iou``, ``merge`` and ``frPyObjects`` take the same arguments and return
the same objects (the same ``counts`` bytes and ``size`` lists, arrays of the same
dtype, shape and memory order, single objects where pycocotools returns single
objects), computed by C kernels that release the GIL and split large batches over
threads (:func:`modelmetrics.set_num_threads`; results do not depend on it).

Masks are ``h x w`` arrays read column by column (Fortran order), as in pycocotools;
an RLE is a dict ``{"size": [h, w], "counts": bytes}`` whose ``counts`` is
pycocotools' compressed string of the run lengths (runs of 0s and 1s alternating,
starting with 0s).

Differences, all where pycocotools misbehaves:

- Invalid input raises ``ValueError`` or ``TypeError`` naming the argument and item:
  run lengths that do not sum to ``h * w`` (pycocotools decodes uninitialised memory
  or computes areas and IoUs of garbage), malformed or truncated ``counts`` strings
  (it reads past the end of the string), masks of different sizes in ``decode`` and
  ``merge`` (it concatenates them, or returns ``size [0, 0]``), polygons without a point
  or with NaN, infinite or absurdly large (beyond 1e8) coordinates (it allocates
  without bound), ``h * w`` beyond 2**32 - 1 (its uint32 counts wrap), an empty list in
  ``decode``, mixed boxes and RLEs in ``iou``, and bare ``Exception``,
  ``AssertionError``, ``KeyError``, ``IndexError`` or ``OverflowError`` for wrong
  types and lengths.
- ``area`` of more than 255 RLEs works (pycocotools 2.0.11 with numpy 2 raises
  ``OverflowError``).
- Inputs pycocotools rejects although its documentation accepts them work: masks in
  any memory order and of dtype bool (it requires Fortran-ordered uint8), boxes given
  as a list or an integer array and a single polygon or box as a flat list in
  ``frPyObjects`` (it raises ``TypeError``), and box arrays in ``iou`` and
  ``frPyObjects`` are read by index, whatever their memory order (it reads a
  Fortran-ordered array's memory as if it were C-ordered).
- ``frPyObjects`` of a polygon or box on an image with ``h == 0`` or ``w == 0`` gives
  the empty RLE ``b"0"`` (pycocotools writes counts that do not sum to 0 when
  ``w == 0``), and ``merge`` of RLEs of 0 x 0 pixels gives ``b"0"`` (it crashes).
"""

from modelmetrics._detection.rle import (
    area,
    decode,
    encode,
    frPyObjects,
    iou,
    merge,
    toBbox,
)

__all__ = [
    "area",
    "decode",
    "encode",
    "frPyObjects",
    "iou",
    "merge",
    "toBbox",
]
