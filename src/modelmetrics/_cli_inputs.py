"""Reading the command line's input files: CSV and .npy arrays, COCO JSON.

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

__all__ = ["InputError", "Table", "read_table"]


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


def read_table(path: str | os.PathLike[str], what: str) -> Table:
    """A ``.npy`` array or a CSV file (optional header row) as a :class:`Table`.

    CSV cells that all parse as integers become int64, as numbers float64; any other
    column makes the table strings.
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
        return Table(values, None)
    if suffix not in (".csv", ".txt"):
        raise InputError(f"{path}: {what} must be a .csv or .npy file")
    try:
        with p.open(newline="", encoding="utf-8") as handle:
            rows = [row for row in csv.reader(handle) if row and any(c.strip() for c in row)]
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: cannot read CSV ({exc})") from None
    if not rows:
        raise InputError(f"{path}: the CSV file is empty")
    width = len(rows[0])
    for line, row in enumerate(rows, start=1):
        if len(row) != width:
            raise InputError(f"{path}: row {line} has {len(row)} columns, the first has {width}")
    names = None
    first = [c.strip() for c in rows[0]]
    body = [[c.strip() for c in row] for row in rows[1:]]
    header_like = all(_number(c) is None for c in first)
    has_numbers = any(_number(c) is not None for row in body for c in row)
    named = len(first) > 1 or first[0].lower() in _HEADER_WORDS
    if header_like and body and (has_numbers or named):
        names, rows_clean = first, body
    else:
        rows_clean = [first, *body]
    if not rows_clean:
        raise InputError(f"{path}: the CSV file has a header but no data rows")
    parsed = [[_number(c) for c in row] for row in rows_clean]
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
