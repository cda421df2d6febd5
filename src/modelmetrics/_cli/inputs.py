"""Reading the command line's input files: CSV, TSV and .npy arrays, PNG label maps.

Every problem is raised as :class:`InputError` naming the file, so the command line
can print one line and exit with status 1.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

__all__ = ["InputError", "Table", "read_label_maps", "read_table"]


# A one-column CSV of labels is read with its first row as a header only when that row
# is one of these words (a class could be called anything else).
_HEADER_WORDS = {
    "label", "labels", "class", "target", "y", "y_true", "y_pred", "truth", "ground_truth",
    "prediction", "predictions", "predicted",
}  # fmt: skip


class InputError(Exception):
    """Bad input; the message names the file and the problem."""


@dataclass(frozen=True)
class Table:
    """Columns read from a file: `values` is (n,) or (n, k); `names` the header or None."""

    values: NDArray[Any]
    names: list[str] | None


def _number(text: str) -> float | int | None:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return None


def read_table(path: str | os.PathLike[str], what: str, *, numeric: bool | None = False) -> Table:
    """A ``.npy`` array or a CSV/TSV file (optional header row) as a :class:`Table`.

    CSV cells that all parse as integers become int64, as numbers float64; any other
    column makes the table strings. ``.tsv`` files are tab-separated, ``.csv`` and
    ``.txt`` comma-separated.

    `numeric` True requires numbers (regression targets), None requires them when
    the table has more than one column (class probabilities): a cell that is not a
    number is then an error naming its row (the file's line number, header
    included, as a spreadsheet numbers it) and column.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{path}: {what} file not found")
    suffix = p.suffix.lower()
    if suffix == ".npy":
        try:
            values = np.load(p, allow_pickle=False)
        except (ValueError, OSError, EOFError) as exc:
            raise InputError(f"{path}: not a readable .npy array ({exc})") from None
        if values.ndim not in (1, 2) or values.shape[0] == 0:
            raise InputError(
                f"{path}: expected a non-empty 1-D or 2-D array, got shape {values.shape}"
            )
        must = numeric or (numeric is None and values.ndim == 2)
        if must and values.dtype.kind not in "biuf":
            raise InputError(f"{path}: {what} must hold numbers, got an array of {values.dtype}")
        return Table(values, None)
    if suffix not in (".csv", ".tsv", ".txt"):
        raise InputError(f"{path}: {what} must be a .csv, .tsv or .npy file")
    delimiter = "\t" if suffix == ".tsv" else ","
    try:
        with p.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            lines: list[int] = []  # the file's line number of each row
            rows: list[list[str]] = []
            for row in reader:
                if row and any(c.strip() for c in row):
                    lines.append(reader.line_num)
                    rows.append(row)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: cannot read {suffix[1:].upper()} ({exc})") from None
    if not rows:
        raise InputError(f"{path}: the file is empty")
    width = len(rows[0])
    for line, row in zip(lines, rows, strict=True):
        if len(row) != width:
            raise InputError(f"{path}: row {line} has {len(row)} columns, the first has {width}")
    names = None
    first = [c.strip() for c in rows[0]]
    body = [[c.strip() for c in row] for row in rows[1:]]
    header_like = all(_number(c) is None for c in first)
    has_numbers = any(_number(c) is not None for row in body for c in row)
    named = len(first) > 1 or first[0].lower() in _HEADER_WORDS
    # pandas writes class indices as the header of a probability table ("0,1,2"): a
    # first row of distinct integers above rows of decimals is that header, not a row.
    index_header = (
        len(first) > 1
        and len(set(first)) == len(first)
        and all(isinstance(_number(c), int) for c in first)
        and any(isinstance(_number(c), float) for row in body for c in row)
    )
    if (header_like and body and (has_numbers or named)) or index_header:
        names, rows_clean, lines = first, body, lines[1:]
    else:
        rows_clean = [first, *body]
    if not rows_clean:
        raise InputError(f"{path}: the file has a header but no data rows")
    parsed = [[_number(c) for c in row] for row in rows_clean]
    if numeric or (numeric is None and width > 1):
        for line, numbers, cells in zip(lines, parsed, rows_clean, strict=True):
            for column, (value, cell) in enumerate(zip(numbers, cells, strict=True)):
                if value is None:
                    where = f"column {column + 1}"
                    if names is not None:
                        where += f" ({names[column]!r})"
                    raise InputError(
                        f"{path}: row {line}, {where}: expected a number, got {cell!r}"
                    )
    if all(v is not None for row in parsed for v in row):
        is_int = all(isinstance(v, int) for row in parsed for v in row)
        try:
            values = np.array(parsed, dtype=np.int64 if is_int else np.float64)
        except OverflowError:
            raise InputError(f"{path}: an integer does not fit in 64 bits") from None
    else:
        values = np.array(rows_clean, dtype=str)
    if values.shape[1] == 1:
        values = values[:, 0]
    return Table(values, names)


# ------------------------------------------------------------------ label maps

_MAP_SUFFIXES = (".png", ".npy")


def _read_map(path: Path, what: str, *, batch: bool) -> NDArray[Any]:
    """One ``.png`` or ``.npy`` label map (or, with `batch`, an ``.npy`` batch of them)."""
    if path.suffix.lower() == ".png":
        from modelmetrics._cli.png import PNGError, read_png

        try:
            return read_png(path)
        except PNGError as exc:
            raise InputError(f"{path}: {exc}") from None
    try:
        values: NDArray[Any] = np.load(path, allow_pickle=False)
    except (ValueError, OSError, EOFError) as exc:
        raise InputError(f"{path}: not a readable .npy array ({exc})") from None
    top = 4 if batch else 3  # scores add a class axis to the (N,) H, W of label maps
    if not 2 <= values.ndim <= top or values.size == 0:
        shapes = "(H, W), (N, H, W) or scores" if batch else "(H, W) or scores (C, H, W)"
        raise InputError(f"{path}: {what} must be {shapes}, got shape {values.shape}")
    return values


def _map_files(directory: Path) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for path in sorted(directory.iterdir()):
        if path.is_file() and path.suffix.lower() in _MAP_SUFFIXES:
            if path.stem in files:
                raise InputError(f"{directory}: two label maps named {path.stem!r}")
            files[path.stem] = path
    if not files:
        raise InputError(f"{directory}: no .png or .npy label maps in the directory")
    return files


def read_label_maps(
    gt_path: str, pred_path: str
) -> tuple[NDArray[Any] | list[NDArray[Any]], NDArray[Any] | list[NDArray[Any]]]:
    """Ground-truth and predicted label maps for semantic segmentation.

    Either two files (``.npy`` of ``(H, W)`` or ``(N, H, W)`` maps, predictions also
    float scores with a class axis; or single ``.png`` maps), or two directories of
    ``.png``/``.npy`` maps paired by file name without its extension (every map must
    have its partner).
    """
    paths = []
    for text, what in ((gt_path, "ground truth"), (pred_path, "predictions")):
        path = Path(text)
        if not path.exists():
            raise InputError(f"{text}: {what} not found")
        if path.is_file() and path.suffix.lower() not in _MAP_SUFFIXES:
            raise InputError(f"{text}: {what} must be a .png or .npy file or a directory")
        paths.append(path)
    gt, pred = paths
    if gt.is_file() and pred.is_file():
        return (
            _read_map(gt, "ground truth", batch=True),
            _read_map(pred, "predictions", batch=True),
        )
    if gt.is_file() or pred.is_file():
        raise InputError(f"{gt_path}, {pred_path}: give two files or two directories of label maps")
    gt_files, pred_files = _map_files(gt), _map_files(pred)
    for mine, theirs, other in ((gt_files, pred_files, pred), (pred_files, gt_files, gt)):
        missing = [name for name in mine if name not in theirs]
        if missing:
            raise InputError(
                f"{other}: no label map named {missing[0]!r} "
                f"({len(missing)} of {len(mine)} maps have no partner)"
            )
    return (
        [_read_map(gt_files[name], "ground truth", batch=False) for name in gt_files],
        [_read_map(pred_files[name], "predictions", batch=False) for name in gt_files],
    )
