"""Semantic segmentation: per-class IoU and friends from one int64 pixel confusion matrix.
("segm" elsewhere means instance masks.) Public through :mod:`modelmetrics.segmentation`."""
