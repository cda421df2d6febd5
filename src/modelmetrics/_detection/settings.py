"""What one COCO-style evaluation is run with, and COCO's defaults.

:class:`EvaluationSettings` is the engine's counterpart of pycocotools' ``Params`` once
``evaluate`` has normalised it: the images and categories evaluated, the IoU thresholds,
area ranges and max-detections settings. ``COCOeval`` converts its ``Params`` into one;
the native APIs build one from a :class:`MatchSettings` (the user's IoU threshold, score
threshold and max detections).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from modelmetrics._core.arrays import sorted_unique
from modelmetrics._core.checks import check_int, check_real

__all__ = [
    "COCO_AREA_LABELS",
    "COCO_AREA_RANGES",
    "EvaluationSettings",
    "MatchSettings",
    "coco_iou_thresholds",
    "coco_recall_thresholds",
    "unique_ids",
]

COCO_AREA_RANGES: tuple[tuple[float, float], ...] = (
    (0**2, 1e5**2),
    (0**2, 32**2),
    (32**2, 96**2),
    (96**2, 1e5**2),
)
COCO_AREA_LABELS: tuple[str, ...] = ("all", "small", "medium", "large")


def coco_iou_thresholds() -> NDArray[np.float64]:
    """COCO's ten IoU thresholds 0.50:0.05:0.95 (a new array each call)."""
    # pycocotools' own linspace call: the thresholds must be bit-equal to its.
    return np.linspace(0.5, 0.95, int(np.round((0.95 - 0.5) / 0.05)) + 1, endpoint=True)


def coco_recall_thresholds() -> NDArray[np.float64]:
    """COCO's 101 recall thresholds 0:0.01:1 (a new array each call)."""
    return np.linspace(0.0, 1.00, int(np.round((1.00 - 0.0) / 0.01)) + 1, endpoint=True)


def unique_ids(ids: Sequence[Any] | NDArray[Any]) -> list[Any]:
    """Sorted distinct ids as ``COCOeval.evaluate`` leaves them (numpy scalars)."""
    return list(sorted_unique(ids))


@dataclass(frozen=True, eq=False)
class EvaluationSettings:
    """The images, categories and thresholds of one evaluation.

    Groups are ``(category, image)`` pairs, category-major; with ``use_categories``
    off there is one category slot and every category in ``category_ids`` joins its
    image's group (pycocotools' ``useCats=0``).
    """

    image_ids: Sequence[Any]
    category_ids: Sequence[Any]
    use_categories: bool
    iou_thresholds: NDArray[np.float64]
    recall_thresholds: NDArray[np.float64]
    area_ranges: Sequence[Sequence[float]]  # [low, high] per area range
    area_labels: Sequence[str]
    max_detections: Sequence[int]  # ascending

    @property
    def n_images(self) -> int:
        return len(self.image_ids)

    @property
    def n_categories(self) -> int:
        """Category slots: one per category id, or one with ``use_categories`` off."""
        return len(self.category_ids) if self.use_categories else 1

    @property
    def accumulated_category_ids(self) -> list[Any]:
        """The ids of the accumulated categories (pycocotools' ``[-1]`` without them)."""
        return list(self.category_ids) if self.use_categories else [-1]


@dataclass(frozen=True)
class MatchSettings:
    """The native APIs' thresholds: when a detection counts, and how many per image.

    ``iou_threshold`` decides the per-class counts, curves and confusion matrix (COCO's
    mAP always sweeps 0.50:0.95), ``score_threshold`` leaves low-scoring detections out
    of the counts (None keeps all), ``max_detections`` caps detections per image and
    class.
    """

    iou_threshold: float = 0.5
    score_threshold: float | None = None
    max_detections: int = 100

    @classmethod
    def checked(
        cls, iou_threshold: object, score_threshold: object, max_detections: object
    ) -> MatchSettings:
        """Validated settings.

        Raises
        ------
        InvalidParameterError
            (a ``ValueError`` and ``TypeError``) naming the bad argument.
        """
        return cls(
            iou_threshold=check_real("iou_threshold", iou_threshold, low=0.0, high=1.0),
            score_threshold=check_real("score_threshold", score_threshold, allow_none=True),
            # The kernels count detections in int64.
            max_detections=check_int("max_detections", max_detections, low=1, high=2**63 - 1),
        )

    def iou_thresholds(self) -> NDArray[np.float64]:
        """COCO's ten thresholds, plus ``iou_threshold`` last when it is not one of them."""
        standard = coco_iou_thresholds()
        if np.any(standard == self.iou_threshold):
            return standard
        return np.append(standard, self.iou_threshold)

    @property
    def iou_index(self) -> int:
        """Position of ``iou_threshold`` in :meth:`iou_thresholds`."""
        hit = np.flatnonzero(coco_iou_thresholds() == self.iou_threshold)
        return int(hit[0]) if hit.size else 10

    @property
    def coco_iou_indices(self) -> NDArray[np.int64]:
        """Positions of COCO's ten thresholds in :meth:`iou_thresholds`."""
        return np.arange(10)

    @property
    def max_detections_settings(self) -> list[int]:
        """COCO's three max-detections settings with ``max_detections`` as the last
        (AR is reported at each; duplicates are harmless)."""
        return sorted([1, 10, self.max_detections])

    def evaluation_settings(
        self, image_ids: Sequence[Any] | NDArray[Any], category_ids: Sequence[Any] | NDArray[Any]
    ) -> EvaluationSettings:
        """COCO's evaluation of these images and categories with these thresholds."""
        return EvaluationSettings(
            image_ids=unique_ids(image_ids),
            category_ids=unique_ids(category_ids),
            use_categories=True,
            iou_thresholds=self.iou_thresholds(),
            recall_thresholds=coco_recall_thresholds(),
            area_ranges=[list(r) for r in COCO_AREA_RANGES],
            area_labels=COCO_AREA_LABELS,
            max_detections=self.max_detections_settings,
        )
