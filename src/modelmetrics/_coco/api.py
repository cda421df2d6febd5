"""``COCO``: a drop-in for :class:`pycocotools.coco.COCO` with columnar annotations.

The public surface is pycocotools' (``dataset``, ``anns``, ``imgs``, ``cats``,
``imgToAnns``, ``catToImgs``, the ``get*Ids`` / ``load*`` methods, ``loadRes``,
``loadNumpyAnnotations``), with the same return values. Two things differ inside:

* the per-annotation indexes are built on first use, not eagerly, and
* evaluation reads annotations as numpy columns (:meth:`COCO._columns`), extracted
  once, never as per-annotation dicts.

``loadRes`` completes result dicts (``area``, ``id``, ``iscrowd``, and a box polygon
``segmentation``) the first time ``dataset`` or the indexes are read, exactly as
pycocotools does eagerly; evaluation does not need them.

Files (``COCO(path)``, ``loadRes(path)``) are read by a compiled JSON reader straight
into the columns, the image ids and the category ids, without building a dict per
annotation. The dicts are parsed from the same bytes (with orjson or json, as before)
only when ``dataset``, an index or a method needing them is used; until then the object
keeps the file's bytes, which cost the file's size where the dicts cost several times
more (and re-reading the path later could see a different file). ``COCOeval`` never
needs them. Documents outside the reader's layout (string ids, ``NaN``, ...) are parsed
with orjson/json up front, as before, with the same results and errors.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from modelmetrics import _kernels
from modelmetrics._coco.files import (
    FastGroundTruth,
    FileSnapshot,
    SegmentationSpans,
    read_document,
    read_keypoints,
    read_results,
)
from modelmetrics._coco.lookup_errors import lookup_errors_as_value_errors
from modelmetrics._core.gc import gc_paused
from modelmetrics._core.json_parse import parse_json
from modelmetrics._detection import rle
from modelmetrics._detection.columns import (
    AnnotationColumns,
    extract_columns,
    invalid_field,
    result_columns_from_reader,
)
from modelmetrics._detection.grouping import positions
from modelmetrics._detection.mask_tables import (
    ann_to_rle,
    json_list,
    json_mask_table,
    mask_table,
    segm_result_columns,
)

__all__ = ["COCO", "annotation_columns", "annotation_masks"]


def _is_array_like(obj: object) -> bool:
    return hasattr(obj, "__iter__") and hasattr(obj, "__len__")


@lookup_errors_as_value_errors
class COCO:
    """COCO dataset API, the same as :class:`pycocotools.coco.COCO`.

    Parameters
    ----------
    annotation_file : str, path or dict, default=None
        A COCO JSON file, or an already-loaded dataset dict (not copied).
    verbose : bool, default=False
        Print pycocotools' progress messages.

    Raises
    ------
    ValueError
        If the file does not hold a JSON object.
    """

    def __init__(
        self,
        annotation_file: str | os.PathLike[str] | dict[str, Any] | None = None,
        *,
        verbose: bool = False,
    ) -> None:
        self.verbose = verbose
        self._dataset: dict[str, Any] = {}
        self._index: dict[str, Any] | None = None
        self._cols: AnnotationColumns | None = None
        self._is_results = False
        self._results_completed = True
        # Segmentation results: their mask areas, until loadRes's completion writes them.
        self._segm_areas: NDArray[np.uint32] | None = None
        self._segm_boxes: NDArray[np.float64] | None = None
        self._load_masks: _kernels.MaskTable | None = None
        # A file read by the compiled reader, parsed into _dataset on first use.
        self._lazy: FileSnapshot | None = None
        # Ground truth: what the reader found (only while _lazy is set).
        self._fast: FastGroundTruth | None = None
        self._fast_index_used = False  # getImgIds answered as if the index existed
        # Lazy ground truth with lazy results: images/info/categories as they were when
        # parsed, for the results to copy (as loadRes copies them).
        self._n_lazy_results = 0
        self._parts: tuple[Any, list[Any], Any] | None = None
        # Results of loadRes on a lazy ground truth: where their images etc. come from.
        self._gt_source: COCO | None = None
        # Results read from a file: where their segmentations are in it.
        self._result_spans: SegmentationSpans | None = None
        # Keypoint results read from a file: each one's keypoints, (n, 3 k), while the
        # dicts are not handed out (a caller may change those).
        self._result_keypoints: NDArray[np.float64] | None = None
        if annotation_file is None:
            return
        if isinstance(annotation_file, dict):
            dataset = annotation_file
        elif not isinstance(annotation_file, str | os.PathLike):
            raise TypeError(
                "annotation_file must be a path or a dataset dict, got "
                f"{type(annotation_file).__name__}"
            )
        else:
            self._say("loading annotations into memory...")
            data = read_document(annotation_file)
            read = _kernels.read_ground_truth(data)
            if read.status in ("ok", "invalid"):
                self._lazy = FileSnapshot(annotation_file, len(data))
                self._fast = FastGroundTruth.from_read(read)
                return
            # Outside the reader's layout, or not JSON: parse (and fail) as before.
            dataset = parse_json(data if isinstance(data, bytes) else data.tobytes())
        if not isinstance(dataset, dict):
            raise ValueError(
                f"annotation file format {type(dataset).__name__} not supported: "
                "expected a JSON object with images, annotations and categories"
            )
        self._dataset = dataset
        self._index = None

    def _say(self, message: str) -> None:
        if self.verbose:
            print(message)

    # -- dataset and indexes, built on first use ---------------------------------------

    @property
    def dataset(self) -> dict[str, Any]:
        self._complete_results()
        self._load_masks = None  # the caller may change the dicts from now on
        self._result_keypoints = None
        return self._dataset

    @dataset.setter
    def dataset(self, value: dict[str, Any]) -> None:
        _checked_dataset(value)
        if self._n_lazy_results:
            self._raw()  # results still to copy this file's images and categories
        self._lazy = None
        self._fast = None
        self._fast_index_used = False
        self._gt_source = None
        self._result_spans = None
        self._result_keypoints = None
        self._results_completed = True  # loadRes's completion was for the old dataset
        self._segm_areas = None
        self._segm_boxes = None
        self._load_masks = None
        self._dataset = value
        self._index = None
        self._cols = None

    def _raw(self) -> dict[str, Any]:
        """The dataset dict (results not completed), parsed from the file on first use."""
        if self._lazy is not None:
            snapshot, self._lazy = self._lazy, None
            parsed = parse_json(snapshot.read())
            if self._is_results:
                self._take_ground_truth_parts()
                self._dataset["annotations"] = parsed
            else:
                self._materialized(parsed)
        elif self._gt_source is not None:
            # Results given as a list, on a ground truth still in its file.
            anns = self._dataset.pop("annotations", [])
            self._take_ground_truth_parts()
            self._dataset["annotations"] = anns
        return self._dataset

    def _materialized(self, dataset: dict[str, Any]) -> None:
        """Switch a lazy ground truth to its dicts, as if they had been there from the start."""
        self._dataset = dataset
        self._fast = None  # columns not taken yet come from the dicts, as they would have
        if self._n_lazy_results:
            self._parts = (
                copy.deepcopy(dataset.get("info", {})),
                list(dataset.get("images", [])),
                copy.deepcopy(dataset.get("categories", [])),
            )
        if self._fast_index_used:
            # getImgIds already answered: the index it stood for is built from the
            # dicts before anyone can change them.
            self._fast_index_used = False
            self.createIndex()

    def _take_ground_truth_parts(self) -> None:
        """Results of a lazy ground truth: copy its info, images and categories now."""
        gt, self._gt_source = self._gt_source, None
        if gt is None:
            return
        gt._raw()
        assert gt._parts is not None
        info, images, categories = gt._parts
        self._dataset["info"] = copy.deepcopy(info)
        self._dataset["images"] = list(images)
        self._dataset["categories"] = copy.deepcopy(categories)

    def createIndex(self) -> None:
        """Build ``anns``, ``imgs``, ``cats``, ``imgToAnns`` and ``catToImgs``."""
        with gc_paused():
            self._create_index()

    def _create_index(self) -> None:
        self._say("creating index...")
        self._complete_results()
        dataset = _checked_dataset(self._dataset)
        anns: dict[Any, Any] = {}
        cats: dict[Any, Any] = {}
        imgs: dict[Any, Any] = {}
        img_to_anns: defaultdict[Any, list[Any]] = defaultdict(list)
        cat_to_imgs: defaultdict[Any, list[Any]] = defaultdict(list)
        for ann in _records(dataset, "annotations"):
            img_to_anns[ann["image_id"]].append(ann)
            anns[ann["id"]] = ann
        for img in _records(dataset, "images"):
            imgs[img["id"]] = img
        for cat in _records(dataset, "categories"):
            cats[cat["id"]] = cat
        if "annotations" in dataset and "categories" in dataset:
            for ann in dataset["annotations"]:
                cat_to_imgs[ann["category_id"]].append(ann["image_id"])
        self._say("index created!")
        self._index = {
            "anns": anns,
            "imgs": imgs,
            "cats": cats,
            "imgToAnns": img_to_anns,
            "catToImgs": cat_to_imgs,
        }

    def _indexed(self, name: str) -> Any:
        self._load_masks = None  # the index hands out the dicts
        if self._index is None:
            self.createIndex()
        assert self._index is not None
        return self._index[name]

    def _set_index(self, name: str, value: Any) -> None:
        if self._index is None:
            self.createIndex()
        assert self._index is not None
        self._index[name] = value

    anns = property(lambda self: self._indexed("anns"), lambda self, v: self._set_index("anns", v))
    imgs = property(lambda self: self._indexed("imgs"), lambda self, v: self._set_index("imgs", v))
    cats = property(lambda self: self._indexed("cats"), lambda self, v: self._set_index("cats", v))
    imgToAnns = property(
        lambda self: self._indexed("imgToAnns"), lambda self, v: self._set_index("imgToAnns", v)
    )
    catToImgs = property(
        lambda self: self._indexed("catToImgs"), lambda self, v: self._set_index("catToImgs", v)
    )

    def info(self) -> None:
        """Print the dataset's ``info`` entries."""
        for key, value in self.dataset["info"].items():
            print(f"{key}: {value}")

    # -- queries (pycocotools' semantics, including its filters' quirks) ----------------

    def getAnnIds(
        self,
        imgIds: Any = (),
        catIds: Any = (),
        areaRng: Any = (),
        iscrowd: Any = None,
    ) -> list[Any]:
        """Ids of annotations in the given images and categories, area range and crowd state."""
        img_ids = imgIds if _is_array_like(imgIds) else [imgIds]
        cat_ids = catIds if _is_array_like(catIds) else [catIds]
        if len(img_ids) == len(cat_ids) == len(areaRng) == 0:
            anns = self.dataset["annotations"]
        else:
            if len(img_ids) != 0:
                index = self.imgToAnns
                lists = [index[i] for i in img_ids if i in index]
                anns = list(itertools.chain.from_iterable(lists))
            else:
                anns = self.dataset["annotations"]
            if len(cat_ids) != 0:
                anns = [ann for ann in anns if ann["category_id"] in cat_ids]
            if len(areaRng) != 0:
                anns = [ann for ann in anns if areaRng[0] < ann["area"] < areaRng[1]]
        if iscrowd is not None:
            return [ann["id"] for ann in anns if ann["iscrowd"] == iscrowd]
        return [ann["id"] for ann in anns]

    def getCatIds(
        self,
        catNms: Any = (),
        supNms: Any = (),
        catIds: Any = (),
    ) -> list[Any]:
        """Ids of categories with the given names, supercategories and ids."""
        names = catNms if _is_array_like(catNms) else [catNms]
        supers = supNms if _is_array_like(supNms) else [supNms]
        ids = catIds if _is_array_like(catIds) else [catIds]
        fast = self._fast
        if len(names) == len(supers) == len(ids) == 0 and fast and fast.cat_ids is not None:
            return list(fast.cat_ids)
        cats = self.dataset["categories"]
        if len(names) != 0:
            cats = [cat for cat in cats if cat["name"] in names]
        if len(supers) != 0:
            cats = [cat for cat in cats if cat["supercategory"] in supers]
        if len(ids) != 0:
            cats = [cat for cat in cats if cat["id"] in ids]
        return [cat["id"] for cat in cats]

    def getImgIds(
        self,
        imgIds: Any = (),
        catIds: Any = (),
    ) -> list[Any]:
        """Ids of the given images that contain every given category."""
        img_ids = imgIds if _is_array_like(imgIds) else [imgIds]
        cat_ids = catIds if _is_array_like(catIds) else [catIds]
        if len(img_ids) == len(cat_ids) == 0:
            fast = self._fast
            if fast is not None and fast.image_ids is not None:
                self._fast_index_used = True
                return list(fast.image_ids)
            return list(self.imgs.keys())
        ids = set(img_ids)
        for i, cat_id in enumerate(cat_ids):
            if i == 0 and len(ids) == 0:
                ids = set(self.catToImgs[cat_id])
            else:
                ids &= set(self.catToImgs[cat_id])
        return list(ids)

    def loadAnns(self, ids: Any = ()) -> list[dict[str, Any]] | None:
        """Annotation dicts with the given ids."""
        return _load(self.anns, ids)

    def loadCats(self, ids: Any = ()) -> list[dict[str, Any]] | None:
        """Category dicts with the given ids."""
        return _load(self.cats, ids)

    def loadImgs(self, ids: Any = ()) -> list[dict[str, Any]] | None:
        """Image dicts with the given ids."""
        return _load(self.imgs, ids)

    # -- results -------------------------------------------------------------------------

    def loadRes(self, resFile: Any, *, allow_empty: bool = False) -> COCO:
        """Load detection results and return them as a ``COCO`` object.

        Parameters
        ----------
        resFile : str, path, list of dict or ndarray of shape (N, 7)
            A results JSON file, the results list itself (completed in place on first
            use of the returned object's ``dataset``, as pycocotools does), or rows of
            ``[image_id, x, y, w, h, score, category_id]``.
        allow_empty : bool, default=False
            Accept an empty result list (pycocotools fails with ``IndexError``); the
            evaluation then scores every category with ground truth as 0.

        Returns
        -------
        COCO

        Raises
        ------
        ValueError
            If the results are not a list of bbox results, an image id is not in this
            dataset, or a field is missing or invalid (naming the index and field).
        """
        res = COCO(verbose=self.verbose)
        self._say("Loading and preparing results...")
        if isinstance(resFile, str | os.PathLike):
            data = read_document(resFile)
            read = read_results(data)
            keypoints = None
            if read.status == "ok" and read.keypoints and read.n:
                # Each result's keypoints, parsed from their spans (None: Python does).
                keypoints = read_keypoints(data, read.seg_off, read.seg_len)
            if read.status in ("ok", "invalid") and (keypoints is not None or not read.keypoints):
                snapshot = FileSnapshot(resFile, len(data))
                del data  # the columns are all evaluation needs
                return self._load_results_read(res, snapshot, read, allow_empty, keypoints)
            # Outside the reader's layout, or not JSON: parse (and fail) as before.
            anns = parse_json(data if isinstance(data, bytes) else data.tobytes())
        elif isinstance(resFile, np.ndarray):
            anns = self.loadNumpyAnnotations(resFile)
        else:
            anns = resFile
        if not isinstance(anns, list):
            raise ValueError(f"results must be a list of objects, got {type(anns).__name__}")
        if not anns and not allow_empty:
            raise ValueError(
                "the result list is empty (pycocotools fails here with IndexError); pass "
                "allow_empty=True to evaluate it as no detections"
            )
        if anns and not isinstance(anns[0], dict):
            raise ValueError(f"annotation 0 must be an object, got {type(anns[0]).__name__}")
        segm_areas = segm_boxes = segm_masks = None
        from_file = isinstance(resFile, str | os.PathLike)
        completed = False
        no_box = bool(anns) and ("bbox" not in anns[0] or _empty_box(anns[0]["bbox"]))
        if no_box and "segmentation" not in anns[0] and "keypoints" in anns[0]:
            if "caption" in anns[0]:
                raise ValueError("caption results are not supported (annotation 0 has one)")
            # pycocotools' keypoints branch: box, area and id now, in the dicts.
            with gc_paused():
                light = _complete_keypoint_results(anns)
                cols = extract_columns(light, results=True)
                del light
            completed = True
        elif no_box:
            if "caption" in anns[0] or "segmentation" not in anns[0]:
                kind = "caption" if "caption" in anns[0] else None
                raise ValueError(
                    "only bbox, segmentation and keypoints results are supported; "
                    "annotation 0 has "
                    f"{'a ' + repr(kind) if kind else 'no bbox, segmentation or keypoints'} "
                    "field"
                )
            # pycocotools' segm branch: area and (when absent) bbox from the mask.
            with gc_paused():
                light, segm_masks = segm_result_columns(anns)
                cols = extract_columns(light, results=True)
                del light
            segm_areas = np.asarray(segm_masks.area)
            segm_boxes = np.asarray(segm_masks.bbox)
            cols = dataclasses.replace(cols, area=segm_areas.astype(np.float64))
        else:
            cols = extract_columns(anns, results=True)
        self._check_result_ids(cols, lambda i, field: anns[i][field])
        self._give_ground_truth_parts(res)
        res._dataset["annotations"] = anns
        res._cols = cols
        res._is_results = True
        res._results_completed = completed
        res._segm_areas = segm_areas
        res._segm_boxes = segm_boxes
        # Dicts parsed from a file are ours until someone reads `dataset`: until then
        # evaluation may use the masks converted here instead of converting them again.
        res._load_masks = segm_masks if from_file else None
        self._say("DONE")
        return res

    def _load_results_read(
        self,
        res: COCO,
        data: FileSnapshot,
        read: _kernels.CocoJson,
        allow_empty: bool,
        keypoints: NDArray[np.float64] | None = None,
    ) -> COCO:
        """loadRes's checks and result for a file the compiled reader read (`keypoints`:
        each result's, for loadRes's keypoints branch).

        The reader hands the documents loadRes rejects before extracting columns (not a
        list, a first element without a bbox, ...) to the dict path, so the checks left
        here run in loadRes's order.
        """
        if read.status == "ok" and read.n == 0 and not allow_empty:
            raise ValueError(
                "the result list is empty (pycocotools fails here with IndexError); pass "
                "allow_empty=True to evaluate it as no detections"
            )
        if read.error is not None:
            raise invalid_field(*read.error)
        cols = result_columns_from_reader(read)
        if keypoints is not None:  # loadRes's keypoints branch: the box they span
            boxes, areas = _keypoint_boxes(keypoints)
            cols = dataclasses.replace(cols, bbox=boxes, area=areas)
        self._check_result_ids(
            cols,
            lambda i, field: int(cols.image_id[i] if field == "image_id" else cols.category_id[i]),
        )
        self._give_ground_truth_parts(res)
        res._lazy = data
        res._result_keypoints = keypoints
        res._result_spans = SegmentationSpans.from_read(read) if keypoints is None else None
        res._cols = cols
        res._is_results = True
        res._results_completed = False
        self._say("DONE")
        return res

    def _check_result_ids(self, cols: AnnotationColumns, raw: Callable[[int, str], Any]) -> None:
        """Every result's image and category must be one of the ground truth's.

        pycocotools asserts the first (a bare AssertionError) and silently drops results
        of unknown categories; both are input mistakes, reported as ValueError.
        """
        checks = (
            ("image_id", cols.image_id, self.getImgIds(), "an image"),
            ("category_id", cols.category_id, self.getCatIds(), "a category"),
        )
        for field, values, known_ids, kind in checks:
            unknown = _unknown_ids(values, known_ids)
            if unknown:
                first = unknown[0]
                raise ValueError(
                    f"annotation {first}: field '{field}' {raw(first, field)!r} is not "
                    f"{kind} of the ground truth ({len(unknown)} results affected)"
                )

    def _give_ground_truth_parts(self, res: COCO) -> None:
        """The results' info, images and categories: copies of ours (as pycocotools')."""
        if self._lazy is not None and not self._is_results:
            # Copied when our file is parsed, i.e. before anyone can change them.
            self._n_lazy_results += 1
            res._gt_source = self
            return
        dataset = self._raw()
        res._dataset["info"] = copy.deepcopy(dataset.get("info", {}))
        res._dataset["images"] = list(dataset.get("images", []))
        res._dataset["categories"] = copy.deepcopy(dataset.get("categories", []))

    def _complete_results(self) -> None:
        """Add what pycocotools' loadRes adds to every bbox result dict."""
        self._raw()
        if self._results_completed:
            return
        self._results_completed = True
        with gc_paused():
            self._complete(self._dataset["annotations"])

    def _complete(self, annotations: list[dict[str, Any]]) -> None:
        if annotations and _keypoints_branch(annotations[0]):
            _complete_keypoint_results(annotations)  # a keypoints file, parsed now
            return
        if self._segm_areas is not None and self._segm_boxes is not None:
            areas, self._segm_areas = self._segm_areas, None
            boxes, self._segm_boxes = self._segm_boxes, None
            for i, ann in enumerate(annotations):
                ann["area"] = areas[i]
                if "bbox" not in ann:  # maskUtils.toBbox's array, computed at loadRes
                    ann["bbox"] = boxes[i].copy()
                ann["id"] = i + 1
                ann["iscrowd"] = 0
            return
        for i, ann in enumerate(annotations):
            bb = ann["bbox"]
            x1, x2, y1, y2 = bb[0], bb[0] + bb[2], bb[1], bb[1] + bb[3]
            if "segmentation" not in ann:
                ann["segmentation"] = [[x1, y1, x1, y2, x2, y2, x2, y1]]
            ann["area"] = bb[2] * bb[3]
            ann["id"] = i + 1
            ann["iscrowd"] = 0

    def loadNumpyAnnotations(self, data: NDArray[Any]) -> list[dict[str, Any]]:
        """Convert rows ``[image_id, x, y, w, h, score, category_id]`` to result dicts.

        Raises
        ------
        ValueError
            If `data` is not a 2-D array with 7 columns.
        """
        if not isinstance(data, np.ndarray) or data.ndim != 2 or data.shape[1] != 7:
            shape = getattr(data, "shape", None)
            raise ValueError(f"expected an ndarray of shape (N, 7), got shape {shape}")
        return [
            {
                "image_id": int(row[0]),
                "bbox": [row[1], row[2], row[3], row[4]],
                "score": row[5],
                "category_id": int(row[6]),
            }
            for row in data
        ]

    # -- masks ----------------------------------------------------------------------------

    def annToRLE(self, ann: dict[str, Any]) -> dict[str, Any]:
        """The annotation's segmentation as a compressed RLE on its image.

        Polygons are rasterised on the image's ``height x width`` and merged,
        uncompressed RLEs compressed; a compressed RLE is returned as is.
        """
        img = self.imgs[ann["image_id"]]
        return ann_to_rle(ann["segmentation"], img["height"], img["width"])

    def annToMask(self, ann: dict[str, Any]) -> NDArray[np.uint8]:
        """The annotation's segmentation as a binary ``height x width`` mask."""
        decoded = rle.decode(self.annToRLE(ann))
        return decoded

    def _mask_table(self, side: str) -> _kernels.MaskTable:
        """Every annotation's mask, in column order, for the segm IoU."""
        if self._load_masks is not None:
            return self._load_masks
        if self._lazy is not None:
            # Still in its file: read the segmentations from the bytes, no dicts.
            table = self._file_mask_table(self._lazy, side)
            if table is not None:
                return table
        self._complete_results()
        dataset = self._dataset
        return mask_table(
            dataset.get("annotations", []),
            dataset.get("images", []),
            self._columns().image_id,
            side,
        )

    def _file_mask_table(self, file: FileSnapshot, side: str) -> _kernels.MaskTable | None:
        """The masks of a file's annotations read from its bytes, at the spans the reader
        recorded, or None where the dicts are needed (a result without ``segmentation``
        is scored by its box polygon, which loadRes's completion adds)."""
        file.check()
        if not self._is_results:
            if self._fast is None or self._fast.spans is None:
                return None
            spans = self._fast.spans
            images = json_list(file.read_into, spans.images_off, spans.images_len)
        else:
            if self._result_spans is None or bool(np.any(self._result_spans.seg_len < 0)):
                return None
            spans = self._result_spans
            images = self._result_images()
        table = json_mask_table(
            file.read_into, spans.seg_off, spans.seg_len, images, spans.image_id, side
        )
        file.check()  # the same file from the first part read to the last
        return table

    def _annotation_dicts(self) -> list[Any]:
        """The annotation dicts for reading (not handed to the caller): the ones in
        memory when they are complete, else ``dataset``'s (parsed or completed now)."""
        if self._lazy is None and self._results_completed:
            # Also results given as a list on a ground truth still in its file: their
            # dicts are here; the images and categories they would copy are not needed.
            annotations: list[Any] = self._dataset.get("annotations", [])
            return annotations
        return list(self.dataset.get("annotations", []))

    def _ground_truth_keypoints(self) -> tuple[NDArray[np.float64], NDArray[np.bool_]] | None:
        """Each annotation's keypoints and whether its ``num_keypoints == 0``, for a
        ground truth still in its file, without the dicts; None when they are parsed, or
        an annotation lacks either field or holds odd values (the dicts then say)."""
        fast, file = self._fast, self._lazy
        if fast is None or file is None or fast.keypoint_spans is None:
            return None
        off, length, zero = fast.keypoint_spans
        if not len(off) or bool(np.any(length < 0)) or bool(np.any(zero == 2)):
            return None
        file.check()
        data = read_document(file.path)
        if len(data) != file.key[0]:
            return None  # changed since: the dicts (parsed from it) say how
        keypoints = read_keypoints(data, off, length)
        file.check()
        return None if keypoints is None else (keypoints, zero == 1)

    def _result_images(self) -> list[Any]:
        """The images results have (loadRes copies the ground truth's), without parsing
        the results: the ground truth's images as they were when it was parsed, or as
        its file holds them while it is not."""
        gt = self._gt_source
        if gt is None:
            images: list[Any] = self._dataset.get("images", [])
            return images
        if gt._parts is not None:
            return list(gt._parts[1])
        if gt._lazy is not None and gt._fast is not None and gt._fast.spans is not None:
            spans = gt._fast.spans
            return json_list(gt._lazy.read_into, spans.images_off, spans.images_len)
        return list(gt._raw().get("images", []))

    def _ground_truth_list(self, key: str) -> list[Any]:
        """The dataset's ``images`` or ``categories`` list; for a ground truth still in
        its file, only that list is parsed (not handed to the caller: the dicts are
        fresh ones then)."""
        fast, file = self._fast, self._lazy
        if file is not None and fast is not None and fast.spans is not None:
            spans = fast.spans
            if key == "images":
                return json_list(file.read_into, spans.images_off, spans.images_len)
            return json_list(file.read_into, spans.categories_off, spans.categories_len)
        return list(self._raw().get(key, []))

    def _file_bytes(self) -> bytes | None:
        """The bytes of the file this dataset is still unparsed from, else None."""
        return None if self._lazy is None else self._lazy.read()

    # -- columns for evaluation ------------------------------------------------------------

    def _columns(self) -> AnnotationColumns:
        if self._cols is None:
            fast = self._fast
            if fast is not None:
                if fast.error is not None:
                    raise invalid_field(*fast.error)
                self._cols = fast.columns
            else:
                anns = self._raw().get("annotations", [])
                cols = extract_columns(anns, results=False, bbox_optional=True)
                # Detections built without loadRes (torchmetrics: COCO(), dataset =
                # {...}, createIndex()) carry their own scores, which COCOeval reads.
                scores, error = _own_scores(anns)
                self._cols = dataclasses.replace(cols, score=scores, score_error=error)
        assert self._cols is not None
        return self._cols


def annotation_columns(coco: COCO, *, boxes: bool = True) -> AnnotationColumns:
    """The detection engine's view of `coco`'s annotations: columns, read once and kept.

    For ground truth from a file, the columns the compiled reader read; for dicts, the
    checked fields of every annotation (``extract_columns``). Annotations may lack a
    ``bbox`` (a NaN box) only where the caller says boxes are not read (`boxes` False:
    pycocotools' segm evaluation).

    Raises
    ------
    ValueError
        Naming the annotation and field of the first value evaluation cannot use.
    """
    cols = coco._columns()
    if boxes:
        missing = np.flatnonzero(np.isnan(cols.bbox[:, 0]))
        if len(missing):
            raise invalid_field(int(missing[0]), "bbox", "is missing")
    return cols


def _empty_box(value: Any) -> bool:
    """pycocotools' ``ann["bbox"] == []``, also for the numpy boxes its own ``loadRes``
    leaves in completed results (where numpy 2 makes that comparison raise)."""
    if isinstance(value, np.ndarray):
        return value.size == 0
    return bool(value == [])


def image_records(coco: COCO) -> dict[Any, Any]:
    """``coco.imgs`` without building the whole index: for a ground truth still in its
    file only the images list is parsed (not the annotations)."""
    if coco._index is not None:
        return dict(coco.imgs)
    return {img["id"]: img for img in coco._ground_truth_list("images")}


def images_differ(dt: COCO, gt: COCO) -> bool:
    """Whether `dt` lists images and they are not `gt`'s (detections of another ground
    truth). Reads no result dict: ``loadRes`` results of `gt` share its images, and
    otherwise only the dataset's images are compared (``dataset`` would first complete
    every result, as pycocotools' ``loadRes`` does)."""
    if dt._gt_source is gt:
        return False
    images = dt._raw().get("images")
    return images is not None and sorted(dt.getImgIds()) != sorted(gt.getImgIds())


def annotation_masks(coco: COCO, side: str) -> _kernels.MaskTable:
    """Every annotation's ``segmentation`` as ``annToRLE`` converts it, in column order
    (`side` names the dataset in error messages)."""
    return coco._mask_table(side)


def _own_scores(anns: Sequence[Any]) -> tuple[NDArray[np.float64] | None, str | None]:
    """The ``score`` of every annotation when the first has one, else None; with the
    reason when some annotation's score is missing, not a number or not finite (the
    scores are then None: fine for a ground truth, an error for detections)."""
    if not anns or not isinstance(anns[0], dict) or "score" not in anns[0]:
        return None, None
    scores = np.empty(len(anns), np.float64)
    for i, ann in enumerate(anns):
        value = ann.get("score") if isinstance(ann, dict) else None
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
            return None, str(invalid_field(i, "score", f"must be a number, got {value!r}"))
        if not np.isfinite(value):
            return None, str(invalid_field(i, "score", f"must be finite, got {value!r}"))
        scores[i] = value
    return scores, None


def _unknown_ids(values: NDArray[Any], known_ids: Sequence[Any]) -> list[int]:
    """Positions of `values` not among `known_ids` (== semantics, as pycocotools)."""
    if values.dtype == np.int64 and all(type(k) is int for k in known_ids):
        # Ids beyond int64 can match no int64 value.
        in_range = [k for k in known_ids if -(2**63) <= k < 2**63]
        unknown: list[int] = np.flatnonzero(positions(values, in_range) < 0).tolist()
        return unknown
    known = set(known_ids)
    return [i for i, value in enumerate(values.tolist()) if value not in known]


def _load(index: dict[Any, Any], ids: Any) -> list[Any] | None:
    if _is_array_like(ids):
        return [index[i] for i in ids]
    if isinstance(ids, int):
        return [index[ids]]
    return None


def sorted_ids(values: Iterable[Any]) -> list[Any]:
    """Sorted list of ids (pycocotools sorts image and category ids)."""
    return sorted(values)


_DATASET_LISTS = ("images", "annotations", "categories")


def _checked_dataset(dataset: Any) -> dict[str, Any]:
    """`dataset` if it is a COCO dataset dict whose images, annotations and categories
    (those present) are lists; a ValueError naming what is not, where pycocotools
    fails later with an AttributeError or TypeError."""
    if not isinstance(dataset, dict):
        raise ValueError(
            "COCO.dataset must be a dict with 'images', 'annotations' and 'categories' "
            f"lists, got {type(dataset).__name__}"
        )
    for key in _DATASET_LISTS:
        value = dataset.get(key, [])
        if not isinstance(value, list | tuple):
            raise ValueError(
                f"COCO.dataset[{key!r}] must be a list of dicts, got {type(value).__name__}"
            )
    return dataset


def _records(dataset: dict[str, Any], key: str) -> Iterator[dict[str, Any]]:
    """The dicts of ``dataset[key]`` (none when absent), each checked to be a dict."""
    for i, item in enumerate(dataset.get(key, ())):
        if not isinstance(item, dict):
            raise ValueError(
                f"COCO.dataset[{key!r}][{i}] must be a dict, got {type(item).__name__}"
            )
        yield item


def _complete_keypoint_results(anns: list[Any]) -> list[dict[str, Any]]:
    """pycocotools' ``loadRes`` for keypoint results: the box spanned by the keypoints,
    its area and the id ``index + 1`` written into each dict (numpy scalars, as there).
    Returns light dicts (ids, score, box as Python floats) for ``extract_columns``.

    Raises
    ------
    ValueError
        If a result has no ``keypoints`` list of at least one ``(x, y, v)`` triple.
    """
    rows: list[Any] = []
    for i, ann in enumerate(anns):
        s = ann.get("keypoints") if isinstance(ann, dict) else None
        if not isinstance(s, list | tuple) or len(s) < 3:
            raise ValueError(
                f"annotation {i}: field 'keypoints' must be a list of (x, y, visibility) "
                f"triples, got {s!r:.80}"
            )
        rows.append(s)
    lengths = {len(s) for s in rows}
    try:
        # One array for all (the usual case: one skeleton), else row by row.
        blocks = [np.asarray(rows)] if len(lengths) == 1 else [np.asarray(s)[None] for s in rows]
    except (TypeError, ValueError):
        blocks = []
    if not all(b.dtype.kind in "iuf" for b in blocks) or not blocks:
        bad = next(i for i, s in enumerate(rows) if not _numbers(s))
        raise ValueError(f"annotation {bad}: field 'keypoints' must hold numbers")
    light: list[dict[str, Any]] = []
    i = 0
    for block in blocks:
        # pycocotools' np.min / np.max over each list's x and y values.
        x0, x1 = block[:, 0::3].min(axis=1), block[:, 0::3].max(axis=1)
        y0, y1 = block[:, 1::3].min(axis=1), block[:, 1::3].max(axis=1)
        w, h = x1 - x0, y1 - y0
        for j in range(block.shape[0]):
            ann = anns[i]
            ann["area"] = w[j] * h[j]
            ann["id"] = i + 1
            ann["bbox"] = [x0[j], y0[j], w[j], h[j]]
            d = {k: ann[k] for k in ("image_id", "category_id", "score") if k in ann}
            d["bbox"] = [float(x0[j]), float(y0[j]), float(w[j]), float(h[j])]
            light.append(d)
            i += 1
    return light


def _numbers(values: Any) -> bool:
    try:
        return np.asarray(values).dtype.kind in "iuf"
    except (TypeError, ValueError):
        return False


def _keypoints_branch(first: Any) -> bool:
    """Whether loadRes takes its keypoints branch for results starting with `first`."""
    if not isinstance(first, dict) or "caption" in first:
        return False
    no_box = "bbox" not in first or _empty_box(first["bbox"])
    return no_box and "segmentation" not in first and "keypoints" in first


def _keypoint_boxes(
    keypoints: NDArray[np.float64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """loadRes's box and area of each keypoint result: the span of its x and y values."""
    x, y = keypoints[:, 0::3], keypoints[:, 1::3]
    x0, x1, y0, y1 = x.min(axis=1), x.max(axis=1), y.min(axis=1), y.max(axis=1)
    boxes = np.ascontiguousarray(np.stack([x0, y0, x1 - x0, y1 - y0], axis=1))
    return boxes, (x1 - x0) * (y1 - y0)
