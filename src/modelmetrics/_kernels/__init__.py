"""Compiled kernels: the only place that imports extension modules.

Kernels trust their callers: inputs are validated, C-contiguous arrays of the right
dtype, and outputs are preallocated. Public modules import kernels from here.
"""

from modelmetrics._kernels._bootstrap import CocoBootstrap
from modelmetrics._kernels._coco import (
    MaskTable,
    OksGroups,
    balanced_bounds,
    group_order,
    release_free_memory,
)
from modelmetrics._kernels._coco import accumulate as coco_accumulate
from modelmetrics._kernels._coco import box_iou as coco_box_iou
from modelmetrics._kernels._coco import confusion as coco_confusion
from modelmetrics._kernels._coco import evaluate as coco_evaluate
from modelmetrics._kernels._coco import mask_iou as coco_mask_iou
from modelmetrics._kernels._coco import np_sum as numpy_pairwise_sum
from modelmetrics._kernels._columns import extract as extract_columns
from modelmetrics._kernels._confusion import (
    count_equal,
    count_pairs,
    count_pairs_weighted,
    label_presence,
    weighted_hits,
)
from modelmetrics._kernels._json import (
    CocoJson,
    ResultsInParts,
    keypoint_arrays,
    keypoint_width,
    read_ground_truth,
    read_numbers,
    read_results,
    results_part_starts,
)
from modelmetrics._kernels._mask import MAX_AREA as RLE_MAX_AREA
from modelmetrics._kernels._mask import JsonScan as RleJsonScan
from modelmetrics._kernels._mask import RLEs
from modelmetrics._kernels._mask import as_dim as rle_as_dim
from modelmetrics._kernels._mask import box_iou as rle_box_iou
from modelmetrics._kernels._mask import encode as rle_encode
from modelmetrics._kernels._mask import from_boxes as rle_from_boxes
from modelmetrics._kernels._mask import from_counts as rle_from_counts
from modelmetrics._kernels._mask import from_polygons as rle_from_polygons
from modelmetrics._kernels._mask import gather_annotations as rle_gather_annotations
from modelmetrics._kernels._mask import gather_polygons as rle_gather_polygons
from modelmetrics._kernels._mask import iou as rle_iou
from modelmetrics._kernels._mask import merge as rle_merge
from modelmetrics._kernels._mask import polygon_list as rle_polygon_list
from modelmetrics._kernels._mask import rasterize_annotations as rle_rasterize_annotations
from modelmetrics._kernels._png import unfilter as png_unfilter
from modelmetrics._kernels._ranking import (
    average_precision_from_curve,
    average_precision_runs,
    curve,
    decode_desc_keys,
    max_runs,
    merge_runs,
    pr_curve_points,
    radix_sort,
    roc_auc_from_curve,
    roc_auc_runs,
    roc_curve_points,
    sort_keys,
    split_by_label,
    split_by_label_weighted,
)
from modelmetrics._kernels._regression import (
    N_STATS,
    STATS,
    moments_chunks,
    moments_merge,
    moments_n_chunks,
    moments_reduce,
)
from modelmetrics._kernels._semantic import count as semantic_count
from modelmetrics._kernels._semantic import count_images as semantic_count_images
from modelmetrics._kernels._semantic import ext_size as semantic_ext_size
from modelmetrics._kernels._tide import classify as tide_classify

__all__ = [
    "N_STATS",
    "RLE_MAX_AREA",
    "STATS",
    "CocoBootstrap",
    "CocoJson",
    "MaskTable",
    "OksGroups",
    "RLEs",
    "ResultsInParts",
    "RleJsonScan",
    "average_precision_from_curve",
    "average_precision_runs",
    "balanced_bounds",
    "coco_accumulate",
    "coco_box_iou",
    "coco_confusion",
    "coco_evaluate",
    "coco_mask_iou",
    "count_equal",
    "count_pairs",
    "count_pairs_weighted",
    "curve",
    "decode_desc_keys",
    "extract_columns",
    "group_order",
    "keypoint_arrays",
    "keypoint_width",
    "label_presence",
    "max_runs",
    "merge_runs",
    "moments_chunks",
    "moments_merge",
    "moments_n_chunks",
    "moments_reduce",
    "numpy_pairwise_sum",
    "png_unfilter",
    "pr_curve_points",
    "radix_sort",
    "read_ground_truth",
    "read_numbers",
    "read_results",
    "release_free_memory",
    "results_part_starts",
    "rle_as_dim",
    "rle_box_iou",
    "rle_encode",
    "rle_from_boxes",
    "rle_from_counts",
    "rle_from_polygons",
    "rle_gather_annotations",
    "rle_gather_polygons",
    "rle_iou",
    "rle_merge",
    "rle_polygon_list",
    "rle_rasterize_annotations",
    "roc_auc_from_curve",
    "roc_auc_runs",
    "roc_curve_points",
    "semantic_count",
    "semantic_count_images",
    "semantic_ext_size",
    "sort_keys",
    "split_by_label",
    "split_by_label_weighted",
    "tide_classify",
    "weighted_hits",
]
