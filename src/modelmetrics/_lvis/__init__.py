"""LVIS evaluation (lvis-api's classes) over the COCO detection engine."""
