"""Reading COCO JSON files into Python objects and into numpy columns.

Run: ``python benchmarks/bench_json.py [--images 5000] [--repeats 5]``

For the ground-truth file and the results file of ``coco_synth.py``'s cached set, times
``json.load``, ``orjson.loads``, ``msgspec.json.decode`` (untyped: dicts and lists) and
msgspec decoding into ``msgspec.Struct`` classes of the COCO schemas (unknown fields,
here the GT ``segmentation``, are skipped; a second GT variant keeps it as undecoded
``msgspec.Raw`` bytes). The untyped readers are also timed with the garbage collector
paused: they create hundreds of thousands of tracked dicts and lists, which trigger repeated full
collections while decoding. Each is timed alone ("decode") and followed by extracting the
columns an evaluator needs ("+ columns": bbox as Nx4 float64, score or area, iscrowd,
image_id, category_id). Each reader's columns are checked to equal json's bit for bit.
"retained MiB" is the RSS growth while holding the decoded object, in a fresh process.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import contextlib
import gc
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from functools import partial
from operator import attrgetter, itemgetter
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import current_rss_bytes, environment, markdown_table, median_seconds
from coco_synth import cached_dataset


# gc=False: these objects never form reference cycles, so the collector can skip them;
# that is most of what makes a few hundred thousand of them cheap to create.
class Result(msgspec.Struct, gc=False):
    image_id: int
    category_id: int
    bbox: tuple[float, float, float, float]
    score: float


class Image(msgspec.Struct, gc=False):
    id: int
    width: int
    height: int


class Category(msgspec.Struct, gc=False):
    id: int
    name: str
    supercategory: str = ""


class Annotation(msgspec.Struct, gc=False):
    id: int
    image_id: int
    category_id: int
    bbox: tuple[float, float, float, float]
    area: float
    iscrowd: int = 0


class AnnotationWithSegmentation(Annotation, gc=False):
    segmentation: msgspec.Raw = msgspec.Raw()


class Dataset(msgspec.Struct, gc=False):
    images: list[Image]
    annotations: list[Annotation]
    categories: list[Category]


class DatasetWithSegmentation(msgspec.Struct, gc=False):
    images: list[Image]
    annotations: list[AnnotationWithSegmentation]
    categories: list[Category]


TYPED: dict[tuple[str, str], msgspec.json.Decoder[Any]] = {
    ("results", "msgspec typed"): msgspec.json.Decoder(list[Result]),
    ("gt", "msgspec typed"): msgspec.json.Decoder(Dataset),
    ("gt", "msgspec typed, Raw segmentation"): msgspec.json.Decoder(DatasetWithSegmentation),
}
UNTYPED = (
    "json.load",
    "json.load, gc paused",
    "orjson.loads",
    "orjson.loads, gc paused",
    "msgspec untyped",
    "msgspec untyped, gc paused",
)
SCALARS = {
    "results": (("score", np.float64), ("image_id", np.int64), ("category_id", np.int64)),
    "gt": (
        ("area", np.float64),
        ("iscrowd", np.int64),
        ("image_id", np.int64),
        ("category_id", np.int64),
    ),
}


def decode(reader: str, kind: str, path: Path) -> Any:
    if reader.endswith(", gc paused"):
        with gc_paused():
            return decode(reader.removesuffix(", gc paused"), kind, path)
    if reader == "json.load":
        with open(path) as f:
            return json.load(f)
    data = path.read_bytes()
    if reader == "orjson.loads":
        return orjson.loads(data)
    if reader == "msgspec untyped":
        return msgspec.json.decode(data)
    return TYPED[kind, reader].decode(data)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def columns(decoded: Any, kind: str) -> dict[str, np.ndarray]:
    """The evaluator's columns, built with one list comprehension (map) per field."""
    if kind == "gt":
        typed = isinstance(decoded, (Dataset, DatasetWithSegmentation))
        rows = decoded.annotations if typed else decoded["annotations"]
    else:
        rows = decoded
    getter: Callable[[str], Callable[[Any], Any]] = (
        attrgetter if rows and isinstance(rows[0], msgspec.Struct) else itemgetter
    )
    n = len(rows)
    out = {"bbox": np.array(list(map(getter("bbox"), rows)), dtype=np.float64).reshape(n, 4)}
    for field, dtype in SCALARS[kind]:
        out[field] = np.fromiter(map(getter(field), rows), dtype, count=n)
    return out


def read_columns(reader: str, kind: str, path: Path) -> dict[str, np.ndarray]:
    return columns(decode(reader, kind, path), kind)


def retained_mib(reader: str, kind: str, path: Path) -> float:
    """RSS growth while holding the decoded object, measured in a fresh process."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--rss", reader, kind, str(path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return float(proc.stdout.strip()) / (1 << 20)


def _rss_child(reader: str, kind: str, path: str) -> None:
    before = current_rss_bytes()
    decoded = decode(reader, kind, Path(path))
    print(current_rss_bytes() - before)
    del decoded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    gt, res, summary = cached_dataset(args.images, args.seed)

    print(f"# JSON loading: synthetic COCO set, {summary}")
    print(environment(extra=("orjson", "msgspec")))
    print(
        f"gt.json {gt.stat().st_size / 1e6:.1f} MB (with polygon segmentations), "
        f"results.json {res.stat().st_size / 1e6:.1f} MB; median of {args.repeats}\n"
    )
    headers = [
        "file",
        "reader",
        "decode (ms)",
        "json / reader",
        "decode + columns (ms)",
        "json / reader",
        "columns alone (ms)",
        "retained MiB",
        "columns == json's",
    ]
    rows = []
    for kind, path in (("gt", gt), ("results", res)):
        expected = read_columns("json.load", kind, path)
        base_decode = base_total = 0.0
        for reader in (*UNTYPED, *(r for k, r in TYPED if k == kind)):
            got = read_columns(reader, kind, path)
            same = all(np.array_equal(got[k], expected[k]) for k in expected)
            t_decode = median_seconds(partial(decode, reader, kind, path), args.repeats)
            t_total = median_seconds(partial(read_columns, reader, kind, path), args.repeats)
            if reader == "json.load":
                base_decode, base_total = t_decode, t_total
            rows.append(
                [
                    path.name,
                    reader,
                    t_decode * 1e3,
                    f"{base_decode / t_decode:.2f}x",
                    t_total * 1e3,
                    f"{base_total / t_total:.2f}x",
                    (t_total - t_decode) * 1e3,
                    retained_mib(reader, kind, path),
                    "yes" if same else "NO",
                ]
            )
            print(f"{path.name} {reader} done", file=sys.stderr, flush=True)
    print(markdown_table(headers, rows))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--rss":
        _rss_child(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        main()
