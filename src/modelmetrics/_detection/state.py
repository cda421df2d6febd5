"""Mergeable state of a COCO evaluation: the kept detections as columns.

After :func:`~modelmetrics._detection.evaluate.evaluate` every (category, image) group
keeps at most ``maxDets[-1]`` detections, highest score first, each with a match code
per area range and IoU threshold. ``accumulate`` needs nothing else per detection, and
per category only the count of non-ignored ground truths per area range and whether any
image had a record.
So a shard of images reduces to

===============  ===========================  ======================================
column           dtype                        bytes per kept detection
===============  ===========================  ======================================
``label``        int64 (category id)          8
``image``        int64 (image id)             8
``rank``         int32 (place in its group)   4
``score``        float64                      8
``code``         uint8 (A, T): 0 FP, 1 TP,    A * T (40 for COCO's 4 areas x 10 IoUs)
                 2 ignored
===============  ===========================  ======================================

that is 68 bytes per kept detection with COCO's settings (72 with an eleventh IoU
threshold), plus per category ``A`` int64 ground-truth counts and one flag. Nothing of
the ground truth is kept per annotation. With ``per_image`` (for resampling images: the
bootstrap of :mod:`modelmetrics._analysis.bootstrap`) the same counts are also kept per
(category, image) group with a record (16 + 8 * A + 1 bytes each), and every image id.

Shards are folded together by concatenating columns and adding counts. ``accumulate``
then orders the columns by (category, image id, rank): the order in which pycocotools
concatenates per-image results before its stable sort by score. As image ids are
sorted, not taken in arrival order, the merged result is the same (``==``) for any
shard boundaries and any merge order, provided each image is evaluated in one shard.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from modelmetrics._detection.accumulate import (
    CategorySlots,
    Curves,
    accumulate_categories,
    empty_curves,
)
from modelmetrics._detection.evaluate import Evaluation

__all__ = ["EvaluatedColumns", "reindex_square"]

# Pending chunks are concatenated once there are this many, so that many small updates
# do not leave millions of small arrays behind.
_MAX_CHUNKS = 32


def _int_ids(values: Sequence[Any] | NDArray[Any], what: str) -> NDArray[np.int64]:
    arr = np.asarray(values)
    if arr.size == 0:
        return np.empty(0, np.int64)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{what} ids must be integers to merge evaluation states")
    return arr.astype(np.int64, copy=False).reshape(-1)


def reindex_square(
    labels: NDArray[np.int64], matrix: NDArray[np.int64], target: NDArray[np.int64]
) -> NDArray[np.int64]:
    """`matrix` (labels + one trailing extra row/column) laid out for `target` labels, a
    sorted superset of `labels`; added counts land at the same (label, label) cells."""
    out = np.zeros((len(target) + 1, len(target) + 1), np.int64)
    idx = np.r_[np.searchsorted(target, labels), len(target)]
    out[np.ix_(idx, idx)] += matrix
    return out


def _reindex_rows(
    labels: NDArray[np.int64], rows: NDArray[Any], target: NDArray[np.int64]
) -> NDArray[Any]:
    out = np.zeros((len(target), *rows.shape[1:]), rows.dtype)
    out[np.searchsorted(target, labels)] = rows
    return out


class EvaluatedColumns:
    """Per-detection columns of evaluated image shards (see the module docstring).

    Parameters
    ----------
    n_areas, n_thresholds : int
        Shape of each detection's code block (area ranges x IoU thresholds).
    per_image : bool, default=False
        Also keep the per-group counts and the image ids (for resampling images).
    """

    def __init__(self, n_areas: int, n_thresholds: int, *, per_image: bool = False) -> None:
        self.n_areas = n_areas
        self.n_thresholds = n_thresholds
        self.per_image = per_image
        self.labels = np.empty(0, np.int64)  # sorted category ids seen
        self.npig = np.zeros((0, n_areas), np.int64)
        self.has_records = np.zeros(0, bool)
        self.n_images = 0
        self._chunks: list[tuple[NDArray[Any], ...]] = []
        # Per (category, image) group: category id, image id, npig (A), has a record.
        self._group_chunks: list[tuple[NDArray[Any], ...]] = []
        self._image_chunks: list[NDArray[Any]] = []

    @property
    def n_detections(self) -> int:
        """Number of kept detections held."""
        return sum(len(c[0]) for c in self._chunks)

    @property
    def nbytes(self) -> int:
        """Bytes held by the columns and counts."""
        held = sum(a.nbytes for c in (*self._chunks, *self._group_chunks) for a in c)
        held += sum(a.nbytes for a in self._image_chunks)
        return held + self.labels.nbytes + self.npig.nbytes + self.has_records.nbytes

    def add_evaluated(self, ev: Evaluation) -> None:
        """Fold in an evaluation of some images (its images, categories, codes)."""
        settings = ev.settings
        n_img, n_cat = ev.n_images, ev.n_categories
        if ev.slot_code.shape[1:] != (self.n_areas, self.n_thresholds):
            raise ValueError("the evaluation's area ranges or IoU thresholds differ")
        cat_ids = _int_ids(settings.accumulated_category_ids, "category")
        img_ids = _int_ids(settings.image_ids, "image")
        self.n_images += n_img
        if self.per_image:
            self._image_chunks.append(np.asarray(settings.image_ids).reshape(-1))
        if n_cat == 0:
            return
        if self.per_image and len(ev.grouped.keys):
            self._group_chunks.append(
                (
                    cat_ids[ev.group_categories()],
                    img_ids[ev.group_images()],
                    ev.group_npig.astype(np.int64),
                    ev.group_nonempty.astype(bool),
                )
            )
        npig = ev.category_npig()
        records = ev.category_has_records()
        # Duplicated category ids (possible with useCats off) fold into one row.
        uniq, inverse = np.unique(cat_ids, return_inverse=True)
        npig_u = np.zeros((len(uniq), self.n_areas), np.int64)
        np.add.at(npig_u, inverse, npig)
        rec_u = np.zeros(len(uniq), bool)
        np.logical_or.at(rec_u, inverse, records)
        self._add_counts(uniq, npig_u, rec_u)
        kept = np.diff(ev.slot_start)
        group = np.repeat(np.arange(len(kept), dtype=np.int64), kept)
        if len(group) == 0:
            return
        self._chunks.append(
            (
                cat_ids[ev.group_categories()[group]],
                img_ids[ev.group_images()[group]],
                np.ascontiguousarray(ev.slot_rank, np.int32),
                np.ascontiguousarray(ev.slot_score, np.float64),
                np.ascontiguousarray(ev.slot_code),
            )
        )
        self._compact()

    def _add_counts(
        self, labels: NDArray[np.int64], npig: NDArray[np.int64], records: NDArray[np.bool_]
    ) -> None:
        union = np.union1d(self.labels, labels)
        if len(union) != len(self.labels):
            self.npig = _reindex_rows(self.labels, self.npig, union)
            self.has_records = _reindex_rows(self.labels, self.has_records, union)
            self.labels = union
        at = np.searchsorted(self.labels, labels)
        self.npig[at] += npig
        self.has_records[at] |= records

    def _compact(self) -> None:
        if len(self._chunks) > _MAX_CHUNKS:
            self._chunks = [tuple(np.concatenate(col) for col in zip(*self._chunks, strict=True))]
        if len(self._group_chunks) > _MAX_CHUNKS:
            self._group_chunks = [
                tuple(np.concatenate(col) for col in zip(*self._group_chunks, strict=True))
            ]
        if len(self._image_chunks) > _MAX_CHUNKS:
            self._image_chunks = [np.concatenate(self._image_chunks)]

    def image_ids(self) -> NDArray[Any]:
        """Every image id evaluated, in the order added (an image once per update)."""
        if not self._image_chunks:
            return np.empty(0, np.int64)
        return np.concatenate(self._image_chunks)

    def detection_columns(self) -> tuple[NDArray[Any], ...]:
        """The kept detections' category ids, image ids, ranks, scores and codes, in
        no particular order."""
        if not self._chunks:
            return (
                np.empty(0, np.int64),
                np.empty(0, np.int64),
                np.empty(0, np.int32),
                np.empty(0),
                np.empty((0, self.n_areas, self.n_thresholds), np.uint8),
            )
        if len(self._chunks) > 1:
            self._chunks = [tuple(np.concatenate(c) for c in zip(*self._chunks, strict=True))]
        return self._chunks[0]

    def group_columns(self) -> tuple[NDArray[Any], ...]:
        """Per (category, image) group with a record: category id, image id,
        non-ignored ground truths per area range (n, A) and whether it has a record."""
        if not self._group_chunks:
            return (
                np.empty(0, np.int64),
                np.empty(0, np.int64),
                np.zeros((0, self.n_areas), np.int64),
                np.zeros(0, bool),
            )
        if len(self._group_chunks) > 1:
            self._group_chunks = [
                tuple(np.concatenate(c) for c in zip(*self._group_chunks, strict=True))
            ]
        return self._group_chunks[0]

    def merge(self, other: EvaluatedColumns) -> None:
        """Fold `other`'s columns and counts into this state."""
        if (other.n_areas, other.n_thresholds) != (self.n_areas, self.n_thresholds):
            raise ValueError("cannot merge states of different area ranges or IoU thresholds")
        if other.per_image != self.per_image:
            raise ValueError("cannot merge states with and without per-image counts")
        self._add_counts(other.labels, other.npig, other.has_records)
        self._chunks.extend(other._chunks)
        self._group_chunks.extend(other._group_chunks)
        self._image_chunks.extend(other._image_chunks)
        self.n_images += other.n_images
        self._compact()

    def sorted_columns(
        self, cat_ids: NDArray[np.int64]
    ) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.int32], NDArray[np.uint8]]:
        """Category offsets (for `cat_ids`, in that order) and the scores, ranks and codes
        of their detections, ordered by category, image id and rank."""
        if self._chunks:
            # Concatenated in place of the chunks (freeing them), so the peak is two
            # copies of the columns: these and the ordered gather below.
            if len(self._chunks) > 1:
                self._chunks = [tuple(np.concatenate(c) for c in zip(*self._chunks, strict=True))]
            label, image, rank, score, code = self._chunks[0]
        else:
            label = image = np.empty(0, np.int64)
            rank, score = np.empty(0, np.int32), np.empty(0)
            code = np.empty((0, self.n_areas, self.n_thresholds), np.uint8)
        where = np.full(len(label), -1, np.int64)
        if len(cat_ids) and len(label):
            order_ids = np.argsort(cat_ids, kind="stable")
            sorted_ids = cat_ids[order_ids]
            at = np.minimum(np.searchsorted(sorted_ids, label), len(cat_ids) - 1)
            where = np.where(sorted_ids[at] == label, order_ids[at], -1)
        keep = np.flatnonzero(where >= 0)
        order = keep[np.lexsort((rank[keep], image[keep], where[keep]))]
        cat_start = np.zeros(len(cat_ids) + 1, np.int64)
        np.cumsum(np.bincount(where[order], minlength=len(cat_ids)), out=cat_start[1:])
        return (
            cat_start,
            np.ascontiguousarray(score[order]),
            np.ascontiguousarray(rank[order]),
            np.ascontiguousarray(code[order]),
        )

    def counts_for(self, cat_ids: NDArray[np.int64]) -> tuple[NDArray[np.int64], NDArray[np.bool_]]:
        """Non-ignored ground truths per (category, area) and the record flags, for `cat_ids`."""
        npig = np.zeros((len(cat_ids), self.n_areas), np.int64)
        records = np.zeros(len(cat_ids), bool)
        if len(self.labels):
            at = np.minimum(np.searchsorted(self.labels, cat_ids), len(self.labels) - 1)
            hit = self.labels[at] == cat_ids
            npig[hit] = self.npig[at[hit]]
            records[hit] = self.has_records[at[hit]]
        return npig, records

    def accumulate(
        self,
        cat_ids: Sequence[Any] | NDArray[np.int64],
        rec_thrs: NDArray[np.float64],
        max_dets: Sequence[int],
        columns: tuple[Any, ...] | None = None,
    ) -> Curves:
        """pycocotools' ``eval["precision" | "recall" | "scores"]`` for `cat_ids`.

        `columns` may pass in what :meth:`sorted_columns` returned for the same ids.
        """
        ids = _int_ids(list(cat_ids), "category")
        cat_start, score, rank, code = self.sorted_columns(ids) if columns is None else columns
        npig, records = self.counts_for(ids)
        K, T, A = len(ids), self.n_thresholds, self.n_areas
        curves = empty_curves(T, len(rec_thrs), K, A, len(max_dets))
        categories = [
            CategorySlots(k, int(cat_start[k]), int(cat_start[k + 1]), npig[k])
            for k in range(K)
            if records[k]  # no image had a record of this category: stays -1
        ]
        accumulate_categories(
            curves,
            categories,
            rec_thrs,
            np.arange(A, dtype=np.int64),
            np.asarray(max_dets, np.int64),
            (score, rank, code, np.ones(len(score), np.uint8)),
        )
        return curves
