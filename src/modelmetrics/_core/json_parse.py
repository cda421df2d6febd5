"""Parsing JSON documents into Python objects, the way ``json.load`` does."""

from __future__ import annotations

import io
import json
from typing import Any

from modelmetrics._core.gc import gc_paused

try:  # optional: several times faster than json on large documents
    import orjson
except ImportError:
    orjson = None

__all__ = ["parse_json"]


def parse_json(data: bytes | bytearray) -> Any:
    """Parse a JSON file's bytes: the same values and errors as ``load_json`` on the file.

    The garbage collector is paused meanwhile: the new dicts and lists would otherwise
    trigger collections that walk all of them again and again (several times the parse).
    """
    with gc_paused():
        if orjson is None:
            # What json.load does on a file opened as UTF-8 text (strict decoding,
            # universal newlines), so that errors are the same too.
            return json.loads(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8").read())
        return orjson.loads(data)
