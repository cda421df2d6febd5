"""``LVIS`` and ``LVISResults``: drop-ins for lvis-api's dataset and results classes.

Both keep a :class:`~modelmetrics.coco.COCO` underneath, so a file is read by the
compiled JSON reader straight into columns, and its dicts are parsed only when
``dataset``, an index or a dict-returning method is used; ``LVISEval`` needs only the
columns, the images' ``neg_category_ids`` / ``not_exhaustive_category_ids`` lists and
the categories' ``frequency`` (each list parsed on its own from the file).

``LVISResults`` applies lvis-api's per-image limit when it is created (the ``max_dets``
highest-scoring results of each image, ties in file order) and numbers the results as
lvis-api does (``id`` = position in the limited list, grouped by image in order of first
appearance, plus one); the result dicts are completed as lvis-api completes them
(``area``, ``id``, a box polygon ``segmentation`` or a mask ``bbox``) on first use of
``dataset``.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
import os
from collections import defaultdict
from typing import Any

import numpy as np
from numpy.typing import NDArray

from modelmetrics._coco.api import COCO, annotation_columns
from modelmetrics._coco.lookup_errors import lookup_errors_as_value_errors
from modelmetrics._detection import rle
from modelmetrics._detection.columns import AnnotationColumns
from modelmetrics._detection.grouping import positions
from modelmetrics._detection.mask_tables import ann_to_rle

__all__ = ["LVIS", "LVISResults"]

_LOGGER = logging.getLogger("modelmetrics.lvis")


@lookup_errors_as_value_errors
class LVIS:
    """LVIS dataset API, the same as :class:`lvis.LVIS` (lvis-api 0.5).

    Parameters
    ----------
    annotation_path : str, path or dict
        An LVIS JSON file, or an already-loaded dataset dict (not copied).

    Raises
    ------
    ValueError
        If the file does not hold a JSON object with ``images``, ``annotations`` and
        ``categories`` lists.
    TypeError
        If `annotation_path` is neither a path nor a dict.
    """

    def __init__(self, annotation_path: str | os.PathLike[str] | dict[str, Any]) -> None:
        self.logger = _LOGGER
        if not isinstance(annotation_path, str | os.PathLike | dict):
            raise TypeError(
                "annotation_path must be a path or a dataset dict, got "
                f"{type(annotation_path).__name__}"
            )
        self._coco = COCO(annotation_path)
        self._index: dict[str, Any] | None = None

    # -- dataset and indexes, built on first use -------------------------------------------

    @property
    def dataset(self) -> dict[str, Any]:
        """The dataset dict (parsed from the file on first use)."""
        return self._coco.dataset

    def _indexed(self, name: str) -> Any:
        if self._index is None:
            self._index = _build_index(self.dataset)
        return self._index[name]

    anns = property(lambda self: self._indexed("anns"), doc="Annotations by id.")
    imgs = property(lambda self: self._indexed("imgs"), doc="Images by id.")
    cats = property(lambda self: self._indexed("cats"), doc="Categories by id.")
    img_ann_map = property(
        lambda self: self._indexed("img_ann_map"), doc="Annotations of each image."
    )
    cat_img_map = property(
        lambda self: self._indexed("cat_img_map"), doc="Image id of each annotation, by category."
    )

    # -- queries ---------------------------------------------------------------------------

    def get_ann_ids(
        self, img_ids: Any = None, cat_ids: Any = None, area_rng: Any = None
    ) -> list[Any]:
        """Ids of the annotations of the given images, categories and area range.

        As in lvis-api, a category or area filter keeps only annotations whose area is
        strictly inside the range (``(0, inf)`` when only categories are given).
        """
        if img_ids is not None:
            anns = [ann for img_id in img_ids for ann in self.img_ann_map[img_id]]
        else:
            anns = self.dataset["annotations"]
        if cat_ids is None and area_rng is None:
            return [ann["id"] for ann in anns]
        # (lvis-api fails on an area range without categories; here it filters alone.)
        cats = set(cat_ids) if cat_ids is not None else None
        low, high = area_rng if area_rng is not None else (0, float("inf"))
        return [
            ann["id"]
            for ann in anns
            if (cats is None or ann["category_id"] in cats) and low < ann["area"] < high
        ]

    def get_cat_ids(self) -> list[Any]:
        """Ids of all categories (each once, in dataset order)."""
        if self._index is None:
            return list(dict.fromkeys(self._coco.getCatIds()))
        return list(self.cats.keys())

    def get_img_ids(self) -> list[Any]:
        """Ids of all images (each once, in dataset order)."""
        if self._index is None:
            return list(dict.fromkeys(self._coco.getImgIds()))
        return list(self.imgs.keys())

    def load_anns(self, ids: Any = None) -> list[dict[str, Any]]:
        """The annotations with the given ids (all when None)."""
        return _load(self.anns, ids)

    def load_cats(self, ids: Any) -> list[dict[str, Any]]:
        """The categories with the given ids (all when None)."""
        return _load(self.cats, ids)

    def load_imgs(self, ids: Any) -> list[dict[str, Any]]:
        """The images with the given ids (all when None)."""
        return _load(self.imgs, ids)

    def ann_to_rle(self, ann: dict[str, Any]) -> dict[str, Any]:
        """The annotation's segmentation as a compressed RLE (polygons merged)."""
        img = self.imgs[ann["image_id"]]
        return ann_to_rle(ann["segmentation"], img["height"], img["width"])

    def ann_to_mask(self, ann: dict[str, Any]) -> NDArray[np.uint8]:
        """The annotation's segmentation as an (height, width) binary mask."""
        decoded: NDArray[np.uint8] = rle.decode(self.ann_to_rle(ann))
        return decoded

    # -- what evaluation reads -------------------------------------------------------------

    def _columns(self) -> AnnotationColumns:
        """The annotations as the engine's columns, with LVIS's flags: no crowd regions
        (lvis-api matches every ground truth as non-crowd) and ``ignore`` from each
        annotation's own ``ignore`` field."""
        cols = annotation_columns(self._coco)
        n = len(cols)
        data = self._coco._file_bytes()
        if data is not None and b'"ignore"' not in data:
            ignore = np.zeros(n, np.uint8)  # no annotation can have the field
        else:
            anns = self._coco._annotation_dicts()
            ignore = np.fromiter((bool(a.get("ignore", 0)) for a in anns), np.uint8, n)
        return dataclasses.replace(cols, crowd=np.zeros(n, np.uint8), ignore=ignore)

    def _images(self) -> list[Any]:
        """The image dicts, parsed on their own when the rest of the file is not."""
        return self._coco._ground_truth_list("images")

    def _categories(self) -> list[Any]:
        """The category dicts, parsed on their own when the rest of the file is not."""
        return self._coco._ground_truth_list("categories")


@lookup_errors_as_value_errors
class LVISResults(LVIS):
    """Detection results on an LVIS dataset, the same as :class:`lvis.LVISResults`.

    Parameters
    ----------
    lvis_gt : LVIS, str or path
        The ground truth (a path is loaded with :class:`LVIS`).
    results : str, path or list of dict
        A results JSON file or the results list (bbox or compressed-RLE segmentation
        results with ``image_id``, ``category_id`` and ``score``).
    max_dets : int, default=300
        The most results kept per image (the highest-scoring; ties keep file order);
        negative keeps all.

    Raises
    ------
    ValueError
        If the results are empty or invalid (naming the index and field), or an image
        id is not in the ground truth.
    """

    def __init__(
        self,
        lvis_gt: LVIS | str | os.PathLike[str],
        results: str | os.PathLike[str] | list[dict[str, Any]],
        max_dets: int = 300,
    ) -> None:
        self.logger = _LOGGER
        if isinstance(lvis_gt, str | os.PathLike):
            lvis_gt = LVIS(lvis_gt)
        if not isinstance(lvis_gt, LVIS):
            raise TypeError(f"lvis_gt must be an LVIS or a path, got {type(lvis_gt).__name__}")
        if isinstance(max_dets, bool) or not isinstance(max_dets, int | np.integer):
            raise TypeError(f"max_dets must be an int, got {type(max_dets).__name__}")
        if not isinstance(results, str | os.PathLike | list):
            raise TypeError(
                f"results must be a path or a list of dicts, got {type(results).__name__}"
            )
        self._gt = lvis_gt
        self._coco = lvis_gt._coco.loadRes(results)
        self._index = None
        self._dataset: dict[str, Any] | None = None
        cols = annotation_columns(self._coco)
        image_pos = positions(cols.image_id, lvis_gt.get_img_ids())
        # lvis-api's list after limit_dets_per_image: results by image in order of first
        # appearance; an image over the limit keeps its max_dets highest scores.
        self._order = limited_order(image_pos, cols.score, int(max_dets))
        self._lvis_id = np.zeros(len(cols), np.int64)
        self._lvis_id[self._order] = np.arange(1, len(self._order) + 1)

    @property
    def dataset(self) -> dict[str, Any]:
        """The ground truth's dataset with lvis-api's completed, limited results as
        ``annotations`` (built on first use)."""
        if self._dataset is None:
            base = self._gt.dataset
            dataset = {k: copy.deepcopy(v) for k, v in base.items() if k != "annotations"}
            raw = self._coco._raw()["annotations"]
            dataset["annotations"] = _completed([raw[i] for i in self._order.tolist()])
            self._dataset = dataset
        return self._dataset

    def get_cat_ids(self) -> list[Any]:
        """Ids of all categories (the ground truth's)."""
        return self._gt.get_cat_ids() if self._index is None else list(self.cats.keys())

    def get_img_ids(self) -> list[Any]:
        """Ids of all images (the ground truth's)."""
        return self._gt.get_img_ids() if self._index is None else list(self.imgs.keys())

    def get_top_results(self, img_id: Any, score_thrs: float) -> list[dict[str, Any]]:
        """The image's results scoring above `score_thrs`."""
        anns = self.load_anns(self.get_ann_ids(img_ids=[img_id]))
        return [ann for ann in anns if ann["score"] > score_thrs]

    def _columns(self) -> AnnotationColumns:
        """The results' columns (ids in input order, ``1..n``: the engine needs unique
        ids only; :meth:`_ids` gives lvis-api's)."""
        return annotation_columns(self._coco)

    def _ids(self) -> NDArray[np.int64]:
        """lvis-api's id of each result row (0 for rows over the per-image limit)."""
        return self._lvis_id

    def _kept(self) -> NDArray[np.bool_]:
        """Whether each result row survived the per-image limit."""
        kept: NDArray[np.bool_] = self._lvis_id > 0
        return kept


def limited_order(
    image_pos: NDArray[np.int64], score: NDArray[np.float64] | None, max_dets: int
) -> NDArray[np.int64]:
    """Rows in the order of lvis-api's ``limit_dets_per_image`` output.

    Images in order of their first result; within an image the rows in input order, or,
    when it has more than `max_dets`, its `max_dets` highest scores, highest first, ties
    in input order (a stable descending sort). A negative `max_dets` keeps the input as
    it is.
    """
    n = len(image_pos)
    rows = np.arange(n, dtype=np.int64)
    if n == 0 or max_dets < 0:
        return rows
    by_image = np.argsort(image_pos, kind="stable")
    sorted_pos = image_pos[by_image]
    starts = np.flatnonzero(np.r_[True, sorted_pos[1:] != sorted_pos[:-1]])
    counts = np.diff(np.r_[starts, n])
    # Each image's rank in order of first appearance.
    first_row = by_image[starts]
    appearance = np.empty(len(starts), np.int64)
    appearance[np.argsort(first_row, kind="stable")] = np.arange(len(starts))
    image_rank = np.repeat(appearance, counts)  # per row of by_image
    over = bool(np.any(counts > max_dets))
    within = by_image.copy()  # input order within each image
    keep = np.ones(n, bool)
    if over:
        assert score is not None
        big = np.repeat(counts > max_dets, counts)
        # Rank within the image by descending score, ties by input row.
        by_score = np.lexsort((by_image, -score[by_image], sorted_pos))
        rank = np.empty(n, np.int64)
        rank[by_score] = np.arange(n) - np.repeat(starts, counts)
        within = np.where(big, rank, within)
        keep = ~big | (rank < max_dets)
    order = np.lexsort((within[keep], image_rank[keep]))
    kept_rows: NDArray[np.int64] = by_image[keep][order]
    return kept_rows


def _completed(anns: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """lvis-api's completion of the limited results, in place: box results get
    ``area`` (w * h) and a box polygon when they have no ``segmentation``; mask
    results their mask ``area`` and, when absent, its ``bbox``; all an ``id``."""
    if anns and "bbox" in anns[0]:
        for i, ann in enumerate(anns):
            x1, y1, w, h = ann["bbox"]
            x2, y2 = x1 + w, y1 + h
            if "segmentation" not in ann:
                ann["segmentation"] = [[x1, y1, x1, y2, x2, y2, x2, y1]]
            ann["area"] = w * h
            ann["id"] = i + 1
    else:
        for i, ann in enumerate(anns):
            ann["area"] = rle.area(ann["segmentation"])
            if "bbox" not in ann:
                ann["bbox"] = rle.toBbox(ann["segmentation"])
            ann["id"] = i + 1
    return anns


def _build_index(dataset: dict[str, Any]) -> dict[str, Any]:
    img_ann_map: defaultdict[Any, list[Any]] = defaultdict(list)
    cat_img_map: defaultdict[Any, list[Any]] = defaultdict(list)
    anns: dict[Any, Any] = {}
    for ann in dataset["annotations"]:
        img_ann_map[ann["image_id"]].append(ann)
        anns[ann["id"]] = ann
        cat_img_map[ann["category_id"]].append(ann["image_id"])
    imgs = {img["id"]: img for img in dataset["images"]}
    cats = {cat["id"]: cat for cat in dataset["categories"]}
    return {
        "anns": anns,
        "imgs": imgs,
        "cats": cats,
        "img_ann_map": img_ann_map,
        "cat_img_map": cat_img_map,
    }


def _load(index: dict[Any, Any], ids: Any) -> list[Any]:
    if ids is None:
        return list(index.values())
    return [index[i] for i in ids]
