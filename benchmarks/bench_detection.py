"""COCO bbox and segm evaluation: pycocotools and its drop-ins, each timed in fresh processes.

Run: ``python benchmarks/bench_detection.py [--iou-type bbox|segm] [--images 5000] [--repeats 3]
[--skip-slow]``

The data is ``coco_synth.py``'s synthetic COCO-scale set, generated once and cached in
``benchmarks/.cache/``. Every run of an implementation is a separate subprocess that
imports the library, then goes from the two JSON files to the 12 summary stats:
``COCO(gt.json)``, ``loadRes(results.json)``, ``COCOeval(gt, dt, "bbox")`` +
``evaluate()``, ``accumulate()``, ``summarize()``. With ``--iou-type segm`` the results
file is the synthetic set's ``results-segm.json`` (the same detections as RLE masks) and
the evaluation ``COCOeval(gt, dt, "segm")``. A fresh process per run keeps the
peak RSS (``ru_maxrss``) per implementation and includes the first-call costs a user
pays. Runs of the implementations alternate, so drifts in the machine's load spread
over all of them. Stage times are medians over ``--repeats`` runs (pycocotools, which
takes about a minute at 5000 images, gets ``--slow-repeats``, 1 by default).

Stats and the ``precision``/``recall`` arrays are compared with pycocotools' (taken
from the cache when ``--skip-slow`` leaves it out). modelmetrics is included when
``import modelmetrics.coco`` works, with its default threads and with one thread.
"""

from __future__ import annotations

import os

# Keep OpenBLAS from spinning worker threads on our two cores; children inherit it.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import contextlib
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import current_rss_bytes, environment, markdown_table, peak_rss_bytes
from coco_synth import cached_dataset, cached_segm_results

REFERENCE = "pycocotools"
MODELMETRICS = "modelmetrics"
MODELMETRICS_1T = "modelmetrics (1 thread)"
PEER_DISTRIBUTIONS = ("faster-coco-eval", "ultrafast-pycocotools", "hotcoco")
# Both size Rayon's global pool from this variable; faster-coco-eval's bbox path is serial.
RAYON_PEERS = ("ultrafast-pycocotools", "hotcoco")


@dataclass(frozen=True)
class Implementation:
    name: str
    module: str  # must import for the implementation to run
    api: str  # what the child calls, for the report


IMPLEMENTATIONS = (
    Implementation(
        REFERENCE,
        "pycocotools.cocoeval",
        "pycocotools.coco.COCO(path), .loadRes(path), pycocotools.cocoeval.COCOeval",
    ),
    Implementation(
        "faster-coco-eval",
        "faster_coco_eval",
        "faster_coco_eval.COCO(path), .loadRes(path), COCOeval_faster (default "
        "separate_eval=False: evaluate() also accumulates, accumulate() only publishes)",
    ),
    Implementation(
        "ultrafast-pycocotools",
        "ultrafast_pycocotools",
        "ultrafast_pycocotools.COCO(path) (lazy compact bbox reader), .loadRes(path), "
        "COCOeval (evaluate() matches and accumulates, accumulate() only publishes)",
    ),
    Implementation(
        "hotcoco",
        "hotcoco",
        "hotcoco.COCO(path), .loadRes(path) (= load_res), hotcoco.COCOeval",
    ),
    Implementation(
        MODELMETRICS,
        "modelmetrics.coco",
        "modelmetrics.coco.COCO(path), .loadRes(path), COCOeval; default threads",
    ),
    Implementation(
        MODELMETRICS_1T,
        "modelmetrics.coco",
        "as modelmetrics, inside `with modelmetrics.num_threads(1)`",
    ),
)

STAGES = ("load GT", "loadRes", "evaluate", "accumulate", "summarize")
ROWS = (
    ("import (not in end-to-end)", "import"),
    ("load GT: COCO(gt.json)", "load GT"),
    ("loadRes(results.json)", "loadRes"),
    ("COCOeval() + evaluate()", "evaluate"),
    ("accumulate()", "accumulate"),
    ("**evaluate + accumulate**", "evaluate + accumulate"),
    ("summarize()", "summarize"),
    ("**end-to-end (files -> stats)**", "end-to-end"),
)
MiB = 1 << 20


# --------------------------------------------------------------------------------------
# child: one run of one implementation


def _api(name: str) -> tuple[Callable[..., Any], Callable[..., Any], Callable[[], Any]]:
    """(COCO, COCOeval, thread context factory) of an implementation; imports it."""
    if name == REFERENCE:
        from pycocotools.coco import COCO
        from pycocotools.cocoeval import COCOeval

        return COCO, COCOeval, contextlib.nullcontext
    if name == "faster-coco-eval":
        from faster_coco_eval import COCO as FCOCO
        from faster_coco_eval import COCOeval_faster

        return FCOCO, COCOeval_faster, contextlib.nullcontext
    if name == "ultrafast-pycocotools":
        from ultrafast_pycocotools import COCO as UCOCO
        from ultrafast_pycocotools import COCOeval as UCOCOeval

        return UCOCO, UCOCOeval, contextlib.nullcontext
    if name == "hotcoco":
        from hotcoco import COCO as HCOCO
        from hotcoco import COCOeval as HCOCOeval

        return HCOCO, HCOCOeval, contextlib.nullcontext
    if name in (MODELMETRICS, MODELMETRICS_1T):
        import modelmetrics
        from modelmetrics.coco import COCO as MCOCO
        from modelmetrics.coco import COCOeval as MCOCOeval

        def threads() -> AbstractContextManager[Any]:
            if name == MODELMETRICS_1T:
                return modelmetrics.num_threads(1)
            return contextlib.nullcontext()

        return MCOCO, MCOCOeval, threads
    raise ValueError(f"unknown implementation {name!r}")


def child(
    name: str, iou_type: str, gt_path: str, dt_path: str, out: str, arrays: str | None
) -> None:
    """Run the pipeline once and write the timings (and, if asked, the arrays) to files."""
    result: dict[str, Any] = {"name": name, "error": None}
    stage = "import"
    try:
        start = time.perf_counter()
        coco, cocoeval, threads = _api(name)
        result["import"] = time.perf_counter() - start
        result["rss_before"] = current_rss_bytes()
        times: dict[str, float] = {}
        with threads():
            marks = [time.perf_counter()]
            stage = "load GT"
            gt = coco(gt_path)
            marks.append(time.perf_counter())
            stage = "loadRes"
            dt = gt.loadRes(dt_path)
            marks.append(time.perf_counter())
            stage = "evaluate"
            ev = cocoeval(gt, dt, iou_type)
            ev.evaluate()
            marks.append(time.perf_counter())
            stage = "accumulate"
            ev.accumulate()
            marks.append(time.perf_counter())
            stage = "summarize"
            ev.summarize()
            marks.append(time.perf_counter())
        for i, key in enumerate(STAGES):
            times[key] = marks[i + 1] - marks[i]
        times["end-to-end"] = marks[-1] - marks[0]
        result["times"] = times
        result["rss_peak"] = peak_rss_bytes()
        stage = "stats"
        stats = [float(s) for s in ev.stats]
        if len(stats) != 12:
            raise ValueError(f"{len(stats)} stats, expected 12")
        result["stats"] = stats
        if arrays:
            np.savez(
                arrays,
                stats=np.array(stats),
                precision=np.asarray(ev.eval["precision"], dtype=np.float64),
                recall=np.asarray(ev.eval["recall"], dtype=np.float64),
            )
    except Exception as exc:
        result["error"] = f"{stage}: {type(exc).__name__}: {exc}"[:300]
    Path(out).write_text(json.dumps(result))


# --------------------------------------------------------------------------------------
# parent: data, runs, report


def available(impl: Implementation) -> str | None:
    """None if the implementation imports, else why not."""
    try:
        __import__(impl.module)
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def run_child(
    name: str,
    iou_type: str,
    gt: Path,
    res: Path,
    workdir: Path,
    arrays: Path | None,
    timeout: float,
    peer_threads: int | None,
) -> dict[str, Any]:
    out = workdir / "result.json"
    out.unlink(missing_ok=True)
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", name, iou_type]
    cmd += [str(gt), str(res)]
    cmd += [str(out), str(arrays) if arrays else ""]
    env = dict(os.environ)
    if peer_threads and name in RAYON_PEERS:
        env["RAYON_NUM_THREADS"] = str(peer_threads)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"name": name, "error": f"timed out after {timeout:.0f} s"}
    if not out.exists():
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"name": name, "error": f"exit code {proc.returncode}: {tail}"[:300]}
    return json.loads(out.read_text())  # type: ignore[no-any-return]


@dataclass
class Summary:
    runs: list[dict[str, Any]]
    error: str | None

    def median(self, key: str) -> float:
        if key == "import":
            values = [r["import"] for r in self.runs]
        elif key == "evaluate + accumulate":
            values = [r["times"]["evaluate"] + r["times"]["accumulate"] for r in self.runs]
        else:
            values = [r["times"][key] for r in self.runs]
        return float(statistics.median(values))

    def median_ms(self, key: str) -> float:
        return self.median(key) * 1e3

    def rss(self, increment: bool) -> float:
        values = [r["rss_peak"] - (r["rss_before"] if increment else 0) for r in self.runs]
        return float(statistics.median(values)) / MiB


def summarize_runs(runs: list[dict[str, Any]]) -> Summary:
    good = [r for r in runs if not r.get("error")]
    errors = [r["error"] for r in runs if r.get("error")]
    return Summary(good, errors[0] if errors else None)


def parity(arrays: Path | None, ref: Path) -> dict[str, str]:
    """Per array (stats, precision, recall): '==' or the max abs difference to pycocotools."""
    if arrays is None or not ref.exists():
        return {}
    got, want = np.load(arrays), np.load(ref)
    out = {}
    for key in ("stats", "precision", "recall"):
        a, b = got[key], want[key]
        if a.shape != b.shape:
            out[key] = f"shape {a.shape} != {b.shape}"
        elif np.array_equal(a, b):
            out[key] = "=="
        else:
            out[key] = f"max abs diff {float(np.max(np.abs(a - b))):.3g}"
    return out


def fmt_ratio(r: float) -> str:
    return f"{r:,.0f}x" if r >= 100 else f"{r:.1f}x" if r >= 10 else f"{r:.2f}x"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--iou-type", choices=("bbox", "segm"), default="bbox")
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=3, help="fresh-process runs per library")
    parser.add_argument("--slow-repeats", type=int, default=1, help="runs of pycocotools")
    parser.add_argument("--skip-slow", action="store_true", help="leave pycocotools out")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these libraries")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per run")
    parser.add_argument(
        "--peer-threads",
        type=int,
        help="RAYON_NUM_THREADS for ultrafast-pycocotools and hotcoco (default: theirs)",
    )
    args = parser.parse_args()

    if args.iou_type == "segm":
        gt, res, data_summary = cached_segm_results(args.images, args.seed)
        ref_arrays = gt.parent / "reference-pycocotools-segm.npz"
    else:
        gt, res, data_summary = cached_dataset(args.images, args.seed)
        ref_arrays = gt.parent / "reference-pycocotools.npz"
    notes: list[str] = []
    chosen: list[Implementation] = []
    for impl in IMPLEMENTATIONS:
        if args.only and impl.name not in args.only:
            continue
        if impl.name == REFERENCE and args.skip_slow:
            notes.append("pycocotools skipped (--skip-slow); its arrays come from the cache")
            continue
        why = available(impl)
        if why is None:
            chosen.append(impl)
        elif impl.name != MODELMETRICS_1T:
            notes.append(f"{impl.name} not run: `import {impl.module}` failed ({why})")

    repeats = {i.name: args.slow_repeats if i.name == REFERENCE else args.repeats for i in chosen}
    runs: dict[str, list[dict[str, Any]]] = {i.name: [] for i in chosen}
    checks: dict[str, dict[str, str]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        arrays = {i.name: workdir / f"arrays-{k}.npz" for k, i in enumerate(chosen)}
        for r in range(max(repeats.values(), default=0)):
            for impl in chosen:
                if r >= repeats[impl.name]:
                    continue
                print(f"run {r + 1}: {impl.name} ...", file=sys.stderr, flush=True)
                # Only the first run saves its arrays: they are the same every time.
                result = run_child(
                    impl.name,
                    args.iou_type,
                    gt,
                    res,
                    workdir,
                    arrays[impl.name] if r == 0 else None,
                    args.timeout,
                    args.peer_threads,
                )
                runs[impl.name].append(result)
        if REFERENCE in arrays and arrays[REFERENCE].exists():
            shutil.copyfile(arrays[REFERENCE], ref_arrays)
        for impl in chosen:
            found = arrays[impl.name] if arrays[impl.name].exists() else None
            checks[impl.name] = parity(found, ref_arrays)

    summaries = {name: summarize_runs(rs) for name, rs in runs.items()}
    if not ref_arrays.exists():
        notes.append("no pycocotools arrays cached yet: run once without --skip-slow")
    print(report(args, data_summary, chosen, summaries, checks, notes))
    if ref_arrays.exists():
        ref_stats = np.load(ref_arrays)["stats"]
        print("pycocotools stats: " + ", ".join(f"{s:.4f}" for s in ref_stats))


def report(
    args: argparse.Namespace,
    data_summary: str,
    chosen: list[Implementation],
    summaries: dict[str, Summary],
    checks: dict[str, dict[str, str]],
    notes: list[str],
) -> str:
    peer_threads = (
        f"RAYON_NUM_THREADS={args.peer_threads} for {' and '.join(RAYON_PEERS)}"
        if args.peer_threads
        else "peers use their default threads"
    )
    lines = [
        f"# COCO {args.iou_type} evaluation: synthetic set, {data_summary}",
        environment(extra=(*PEER_DISTRIBUTIONS,)),
        f"Median of fresh-process runs (n per column); {peer_threads}, "
        f"os.cpu_count() = {os.cpu_count()}.",
        "",
    ]
    names = [i.name for i in chosen]
    ok = [n for n in names if summaries[n].runs]

    def cells(value: Callable[[Summary], Any]) -> list[Any]:
        return [value(summaries[n]) if summaries[n].runs else failed(summaries[n]) for n in names]

    headers = ["stage (ms)", *(f"{n} (n={len(summaries[n].runs)})" for n in names)]
    rows: list[list[Any]] = []
    for label, key in ROWS:
        rows.append([label, *cells(partial(Summary.median_ms, key=key))])
    rows.append(["peak RSS (MiB)", *cells(lambda s: s.rss(increment=False))])
    rows.append(["peak RSS - RSS after imports (MiB)", *cells(lambda s: s.rss(increment=True))])
    for key in ("stats", "precision", "recall"):
        row = ["reference" if n == REFERENCE else checks[n].get(key, "n/a") for n in names]
        rows.append([f"{key} vs pycocotools", *row])
    lines.append(markdown_table(headers, rows))

    base = MODELMETRICS if MODELMETRICS in ok else "ultrafast-pycocotools"
    if base in ok and len(ok) > 1:
        lines += ["", f"Time (and peak RSS) of each library / {base}'s: above 1 means {base} wins."]
        others = [n for n in ok if n != base]
        ratio_rows: list[list[Any]] = []
        for label, key in ROWS[1:]:
            b = summaries[base].median(key)
            ratio_rows.append([label, *(fmt_ratio(summaries[n].median(key) / b) for n in others)])
        b_rss = summaries[base].rss(increment=False)
        ratio_rows.append(
            ["peak RSS", *(fmt_ratio(summaries[n].rss(increment=False) / b_rss) for n in others)]
        )
        lines.append(markdown_table([f"vs {base}", *others], ratio_rows))
    if MODELMETRICS in ok:
        lines += ["", *targets(summaries, args.iou_type)]

    lines += ["", "APIs used:", *(f"- {i.name}: {i.api}" for i in chosen)]
    lines += [f"FAILED {n}: {summaries[n].error}" for n in names if summaries[n].error]
    lines += [f"Note: {n}" for n in notes]
    return "\n".join(lines)


def failed(summary: Summary) -> str:
    """Table cell of a library none of whose runs finished: why, in a few words."""
    error = summary.error or "no run"
    if any(w in error.lower() for w in ("unsupported", "not supported", "notimplemented")):
        return "unsupported"
    return f"failed: {error.split(': ')[0]}"  # the stage; the whole message is below the table


# (peer, stage, times faster than the peer modelmetrics must be), per iouType
TARGETS = {
    "bbox": (
        ("ultrafast-pycocotools", "evaluate + accumulate", 1.5),
        (REFERENCE, "evaluate + accumulate", 100.0),
        ("ultrafast-pycocotools", "end-to-end", 1.0),
    ),
    "segm": (
        ("ultrafast-pycocotools", "evaluate + accumulate", 1.5),
        (REFERENCE, "evaluate + accumulate", 30.0),
    ),
}


def targets(summaries: dict[str, Summary], iou_type: str) -> Iterator[str]:
    """The issue's targets for modelmetrics, measured; reported, never asserted."""
    mm = summaries[MODELMETRICS]
    yield "Targets (modelmetrics, default threads):"
    for peer, key, need in TARGETS[iou_type]:
        if peer not in summaries or not summaries[peer].runs:
            yield f"- {key} vs {peer}: not measured"
            continue
        got = summaries[peer].median(key) / mm.median(key)
        verdict = "met" if got >= need else "NOT met"
        yield f"- {key}: {fmt_ratio(got)} faster than {peer} (target >= {need:g}x): {verdict}"
    uf = summaries.get("ultrafast-pycocotools")
    if uf and uf.runs:
        ours, theirs = mm.rss(increment=False), uf.rss(increment=False)
        verdict = "met" if ours <= theirs else "NOT met"
        yield (
            f"- peak RSS: {ours:,.0f} MiB vs ultrafast-pycocotools {theirs:,.0f} MiB "
            f"(target: no higher): {verdict}"
        )


if __name__ == "__main__":
    if len(sys.argv) == 8 and sys.argv[1] == "--child":
        child(*sys.argv[2:7], sys.argv[7] or None)
    else:
        main()
