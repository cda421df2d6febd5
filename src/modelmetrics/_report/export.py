"""Strict JSON for reports: plain values only, and files replaced atomically.

JSON has no NaN or infinity and no numpy types; :func:`to_jsonable` (from
:mod:`modelmetrics._core.jsonable`) maps the first to ``None`` and the second to plain
Python numbers and lists, so ``json.dumps(..., allow_nan=False)`` never fails on a
metric. :func:`atomic_write_text` writes a temporary file beside the target, syncs it
and renames it over the target, so an interrupted or failed write leaves the previous
file as it was.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
from importlib import resources
from pathlib import Path
from typing import Any

from modelmetrics._core.jsonable import to_jsonable

__all__ = ["atomic_write_text", "dumps_strict", "load_schema", "to_jsonable"]

SCHEMA_RESOURCE = "report.schema.json"


def dumps_strict(value: Any, *, indent: int | None = 2) -> str:
    """JSON text of `value` after :func:`to_jsonable`; never emits NaN or Infinity."""
    return json.dumps(to_jsonable(value), indent=indent, allow_nan=False, ensure_ascii=False)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    """Replace the file at `path` by `text` (UTF-8) atomically.

    The text goes to a temporary file in the same directory (a rename is atomic only
    within one file system), is flushed and synced to disk, and is then renamed over
    `path`. On any failure the temporary file is removed and `path` is untouched; an
    ``OSError`` names `path` (its ``filename``), not the hidden temporary file.
    """
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    # os.open with mode 0o666 lets the umask set the permissions, as open() would
    # (tempfile.mkstemp would make the report readable by its owner only).
    while True:
        tmp_name = str(directory / f".{target.name}.{secrets.token_hex(8)}.tmp")
        try:
            fd = os.open(tmp_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            break
        except FileExistsError:  # pragma: no cover - 64 random bits collided
            continue
        except OSError as exc:
            _name_target(exc, tmp_name, path)
            raise
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, target)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
        if isinstance(exc, OSError):
            _name_target(exc, tmp_name, path)
        raise


def _name_target(exc: OSError, tmp_name: str, path: str | os.PathLike[str]) -> None:
    """Point `exc` at the file the caller asked for instead of the temporary one."""
    if exc.filename == tmp_name or (exc.filename is None and exc.errno is not None):
        exc.filename = os.fspath(path)
        exc.filename2 = None


def load_schema() -> dict[str, Any]:
    """The JSON Schema of the report export, shipped inside the package."""
    folder = resources.files("modelmetrics._report").joinpath("schema")
    text = folder.joinpath(SCHEMA_RESOURCE).read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
