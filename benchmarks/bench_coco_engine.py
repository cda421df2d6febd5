"""COCO bbox and segm evaluation on realistic data: modelmetrics against its fastest peers,
pinned to a fixed set of cores, each measurement in a fresh process.

Run::

    python benchmarks/bench_coco_engine.py --cpus 0          # pinned to core 0 (taskset -c 0)
    python benchmarks/bench_coco_engine.py --cpus 0-1        # pinned to cores 0 and 1
    python benchmarks/bench_coco_engine.py --threads 1 2 4 8 16 --json out.json --md out.md

Options: ``--images 5000`` (data size), ``--work bbox segm``, ``--density sparse dense``,
``--repeats 3`` (fresh processes per cell; ``--repeats-1t`` for the 1-thread rows),
``--deadline SECONDS`` (after the first full pass, stop adding repeats past this),
``--with-pycocotools`` (adds the reference; slow: minutes per run at 5000 images).

What it measures. The data is ``coco_realistic.py``'s (about 640x480 images with random ids,
80 Zipf-distributed classes, 8-40-vertex polygons, 1% uncompressed-RLE crowds; detections
with float32 boxes and compressed-RLE masks; sparse ~28 and dense ~94 per image), cached in
``benchmarks/.cache/``. For every work (bbox, segm) x density (sparse, dense) x thread count
x library, a fresh Python process, pinned to the chosen cores before it starts (the
``sched_setaffinity`` call that ``taskset -c`` makes, done here so no util-linux is needed),
imports the library and times, from the two files to the 12 stats:

- load: ``COCO(gt.json)`` + ``loadRes(dt.json)``;
- evaluate + accumulate: ``COCOeval(gt, dt, iouType)`` + ``evaluate()`` + ``accumulate()``;
- end to end: all of the above plus ``summarize()`` (the import is not included);
- peak RSS: the child's ``ru_maxrss`` at the end (interpreter and imports included).

Each cell is the median over ``--repeats`` processes; the runs of the libraries alternate,
and a whole pass over all cells is made before the next repeat, so a drift in the machine's
load spreads over everything. Every child returns its 12 stats: each library's must equal
modelmetrics' within 1e-12 (a warning line otherwise), pycocotools' must equal them exactly
(``==``; the script exits 1 if not), and modelmetrics' must be the same at every thread count.

Before the table a control runs pure C work (``hashlib.sha256`` over a 16 MiB buffer, the
GIL released) in 1 and in N threads on the same pinned cores, and prints the N-thread
speed-up. A row with N threads is marked invalid where the control reaches less than 0.9 N
(1.8x for 2 cores, as the issue asks): the cores were not all free, or were hyperthreads of
one core. With ``--threads`` the first N cores are taken one per physical core first (from
``/sys/devices/system/cpu``), so 2 threads do not land on two siblings of one core.

Thread counts. Each child gets ``MODELMETRICS_NUM_THREADS``, ``RAYON_NUM_THREADS``,
``OMP_NUM_THREADS`` and ``OPENBLAS_NUM_THREADS`` set to N as well as the pinning:

- modelmetrics: ``MODELMETRICS_NUM_THREADS``, else ``len(os.sched_getaffinity(0))``;
- ultrafast-pycocotools and hotcoco: both are Rust (PyO3) and run on Rayon's global pool,
  sized by ``RAYON_NUM_THREADS``, else Rust's ``available_parallelism()``, which follows
  the affinity mask too (read from their shared objects: neither has a Python setting);
- pycocotools: single-threaded.

So pinning alone would give every library N threads; the variables make it explicit.

APIs, as each README shows its users: ``ultrafast_pycocotools.COCO(path)``, ``.loadRes(path)``,
``ultrafast_pycocotools.COCOeval`` (its ``evaluate()`` also matches and accumulates;
``accumulate()`` publishes); ``hotcoco.COCO(path)``, ``.load_res(path)``, ``hotcoco.COCOeval``
(the README calls ``ev.run()``, which is ``evaluate()`` + ``accumulate()`` + ``summarize()``;
the three are called one by one here to time the stages; hotcoco's other entry points,
``StreamingEval`` and the array metrics, do not read COCO files); ``modelmetrics.coco`` and
``pycocotools`` as pycocotools documents it.
"""

from __future__ import annotations

import os

# The parent stays single-threaded (numpy's OpenBLAS would start a thread per core): it
# forks the data generator's workers and pins children between fork and exec.
# Children get the thread count of their row instead (child_env).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import contextlib
import datetime
import hashlib
import importlib.util
import json
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

MODELMETRICS = "modelmetrics"
ULTRAFAST = "ultrafast-pycocotools"
HOTCOCO = "hotcoco"
PYCOCOTOOLS = "pycocotools"
PEERS = (ULTRAFAST, HOTCOCO)
# import name of each distribution (`pip show -f ultrafast-pycocotools`: ultrafast_pycocotools)
MODULES = {
    MODELMETRICS: "modelmetrics.coco",
    ULTRAFAST: "ultrafast_pycocotools",
    HOTCOCO: "hotcoco",
    PYCOCOTOOLS: "pycocotools.cocoeval",
}
THREAD_VARIABLES = (
    "MODELMETRICS_NUM_THREADS",
    "RAYON_NUM_THREADS",
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
)
SPEEDUP_TARGET = 1.3  # the issue: at least 1.3x faster than the faster peer
CONTROL_EFFICIENCY = 0.9  # a row with N threads is valid where the control reaches 0.9 N
PEER_TOLERANCE = 1e-12
MiB = 1 << 20


# --------------------------------------------------------------------------------------
# children: one measurement, or the control


def _api(lib: str) -> tuple[Callable[[str], Any], Callable[[Any, str], Any], Callable[..., Any]]:
    """(COCO, loadRes as a function of (gt, path), COCOeval) of a library; imports it."""
    if lib == MODELMETRICS:
        from modelmetrics.coco import COCO, COCOeval

        return COCO, lambda gt, path: gt.loadRes(path), COCOeval
    if lib == ULTRAFAST:
        from ultrafast_pycocotools import COCO as UCOCO
        from ultrafast_pycocotools import COCOeval as UCOCOeval

        return UCOCO, lambda gt, path: gt.loadRes(path), UCOCOeval
    if lib == HOTCOCO:
        from hotcoco import COCO as HCOCO
        from hotcoco import COCOeval as HCOCOeval

        # load_res is the name hotcoco's README uses (loadRes is its pycocotools alias).
        return HCOCO, lambda gt, path: gt.load_res(path), HCOCOeval
    if lib == PYCOCOTOOLS:
        from pycocotools.coco import COCO as PCOCO
        from pycocotools.cocoeval import COCOeval as PCOCOeval

        return PCOCO, lambda gt, path: gt.loadRes(path), PCOCOeval
    raise ValueError(f"unknown library {lib!r}")


def _time_parallel_regions(spent: list[float]) -> None:
    """Add to ``spent[0]`` the wall time modelmetrics spends in ``run_parallel``: the
    GIL-free kernels it splits over threads. The rest of a stage is serial (Python, and
    kernels called on one thread), which is what keeps a stage from scaling."""
    import modelmetrics._core.parallel as parallel

    original = parallel.run_parallel

    def timed(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            spent[0] += time.perf_counter() - start

    # Every module that imported the function by name gets the timed one.
    for name, module in list(sys.modules.items()):
        if name.startswith("modelmetrics") and getattr(module, "run_parallel", None) is original:
            module.run_parallel = timed  # type: ignore[attr-defined]


def child(lib: str, iou_type: str, gt_path: str, dt_path: str, out: str) -> None:
    """One run, files to stats; writes the times, peak RSS and stats as JSON to `out`."""
    result: dict[str, Any] = {"lib": lib, "error": None}
    stage = "import"
    try:
        start = time.perf_counter()
        coco, load_res, cocoeval = _api(lib)
        result["import"] = time.perf_counter() - start
        in_parallel = [0.0]
        if lib == MODELMETRICS:
            _time_parallel_regions(in_parallel)
        marks = {"start": time.perf_counter()}
        stage = "load"
        gt = coco(gt_path)
        dt = load_res(gt, dt_path)
        marks["load"] = time.perf_counter()
        parallel_at = {"load": in_parallel[0]}
        stage = "evaluate"
        ev = cocoeval(gt, dt, iou_type)
        ev.evaluate()
        marks["evaluate"] = time.perf_counter()
        parallel_at["evaluate"] = in_parallel[0]
        stage = "accumulate"
        ev.accumulate()
        marks["accumulate"] = time.perf_counter()
        parallel_at["accumulate"] = in_parallel[0]
        if lib == MODELMETRICS:
            result["parallel"] = {
                "load": parallel_at["load"],
                "evaluate": parallel_at["evaluate"] - parallel_at["load"],
                "accumulate": parallel_at["accumulate"] - parallel_at["evaluate"],
            }
        stage = "summarize"
        # pycocotools' summarize prints; the parent discards the child's stdout.
        ev.summarize()
        marks["summarize"] = time.perf_counter()
        result["times"] = {
            "load": marks["load"] - marks["start"],
            "evaluate": marks["evaluate"] - marks["load"],
            "accumulate": marks["accumulate"] - marks["evaluate"],
            "evaluate+accumulate": marks["accumulate"] - marks["load"],
            "summarize": marks["summarize"] - marks["accumulate"],
            "end-to-end": marks["summarize"] - marks["start"],
        }
        result["rss_peak"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        stage = "stats"
        result["stats"] = [float(s) for s in ev.stats]
        if len(result["stats"]) != 12:
            raise ValueError(f"{len(result['stats'])} stats, expected 12")
        result["threads_seen"] = _threads_seen(lib)
    except Exception as exc:
        result["error"] = f"{stage}: {type(exc).__name__}: {exc}"[:400]
    Path(out).write_text(json.dumps(result))


def _threads_seen(lib: str) -> int | None:
    """The thread count modelmetrics resolved in this child (a check of the variables)."""
    if lib != MODELMETRICS:
        return None
    import modelmetrics

    get = getattr(modelmetrics, "get_num_threads", None)
    return int(get()) if get else None


def control_child(threads: int, out: str) -> None:
    """Pure C work in 1 thread, then in `threads` threads at once: best of 3 wall times each.

    Each thread hashes the same amount, so with N free cores N threads take as long as one.
    sha256 releases the GIL for buffers over 2 KiB and is compute-bound, so the speed-up
    measures only whether the pinned cores are really free and really separate cores.
    """
    buffer = os.urandom(16 * MiB)
    rounds = 1

    def work() -> None:
        for _ in range(rounds):
            hashlib.sha256(buffer).digest()

    def timed(n: int) -> float:
        best = float("inf")
        for _ in range(3):
            workers = [threading.Thread(target=work) for _ in range(n)]
            start = time.perf_counter()
            for t in workers:
                t.start()
            for t in workers:
                t.join()
            best = min(best, time.perf_counter() - start)
        return best

    start = time.perf_counter()
    work()  # also warms up: pages the buffer in
    # About 0.25 s per timing: long against thread start-up, short for the budget.
    rounds = max(1, round(0.25 / (time.perf_counter() - start)))
    one = timed(1)
    many = timed(threads)
    result = {"one": one, "many": many, "rounds": rounds, "speedup": threads * one / many}
    Path(out).write_text(json.dumps(result))


# --------------------------------------------------------------------------------------
# parent: cores, data, runs


def parse_cpus(text: str) -> list[int]:
    """A taskset-style list, '0', '0-1', '0,2,4-7', as sorted CPU numbers."""
    cpus: set[int] = set()
    for part in text.split(","):
        lo, _, hi = part.strip().partition("-")
        cpus.update(range(int(lo), int(hi or lo) + 1))
    return sorted(cpus)


def format_cpus(cpus: Sequence[int]) -> str:
    """The shortest taskset-style list: [0, 1, 2, 5] -> '0-2,5'."""
    parts, run = [], [cpus[0]]
    for c in cpus[1:]:
        if c == run[-1] + 1:
            run.append(c)
            continue
        parts.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else f"{run[0]}")
        run = [c]
    parts.append(f"{run[0]}-{run[-1]}" if len(run) > 1 else f"{run[0]}")
    return ",".join(parts)


def cores_in_order() -> list[int]:
    """The usable CPUs, one per physical core first, then the cores' second threads."""
    usable = sorted(os.sched_getaffinity(0))
    seen: dict[tuple[str, str], int] = {}
    rank = {}
    for cpu in usable:
        topo = Path(f"/sys/devices/system/cpu/cpu{cpu}/topology")
        try:
            key = ((topo / "physical_package_id").read_text(), (topo / "core_id").read_text())
        except OSError:
            key = ("", str(cpu))
        rank[cpu] = seen.get(key, 0)
        seen[key] = rank[cpu] + 1
    return sorted(usable, key=lambda c: (rank[c], c))


@dataclass(frozen=True)
class Setting:
    """One pinned configuration: N threads on these cpus."""

    threads: int
    cpus: tuple[int, ...]
    repeats: int


@dataclass
class Cell:
    work: str
    density: str
    setting: Setting
    lib: str
    runs: list[dict[str, Any]] = field(default_factory=list)

    @property
    def good(self) -> list[dict[str, Any]]:
        return [r for r in self.runs if not r.get("error")]

    def median(self, key: str) -> float | None:
        runs = self.good
        if not runs:
            return None
        if key == "rss":
            return float(statistics.median(r["rss_peak"] for r in runs)) / MiB
        return float(statistics.median(r["times"][key] for r in runs)) * 1e3

    def error(self) -> str | None:
        return next((r["error"] for r in self.runs if r.get("error")), None)


def child_env(threads: int) -> dict[str, str]:
    env = dict(os.environ)
    for name in THREAD_VARIABLES:
        env[name] = str(threads)
    return env


def spawn(args: list[str], cpus: Sequence[int], threads: int, timeout: float) -> dict[str, Any]:
    """Run this script in a fresh process pinned to `cpus`; its JSON result."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        cmd = [sys.executable, str(Path(__file__).resolve()), *args, str(out)]
        try:
            # Pinned before exec, as `taskset -c` does: the interpreter's start-up, the
            # imports and every thread a library starts all inherit the mask.
            proc = subprocess.run(
                cmd,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                timeout=timeout,
                env=child_env(threads),
                preexec_fn=lambda: os.sched_setaffinity(0, cpus),
            )
        except subprocess.TimeoutExpired:
            return {"error": f"timed out after {timeout:.0f} s"}
        if not out.exists():
            tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            return {"error": f"exit code {proc.returncode}: {tail}"[:400]}
        return json.loads(out.read_text())  # type: ignore[no-any-return]


def available(lib: str) -> str | None:
    """None if the library is installed, else why not.

    Only looked up, not imported: the parent stays free of the libraries' threads and
    memory. A library that is installed but fails to import fails in its children, and
    its cells say so.
    """
    top = MODULES[lib].split(".")[0]
    return None if importlib.util.find_spec(top) else f"no module named {top!r}"


def versions(libs: Sequence[str]) -> str:
    from importlib.metadata import PackageNotFoundError, version

    out = []
    for dist in ("numpy", *libs):
        with contextlib.suppress(PackageNotFoundError):
            out.append(f"{dist} {version(dist)}")
    return ", ".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--cpus", help="taskset-style CPU list to pin to, e.g. 0 or 0-1")
    where.add_argument(
        "--threads", type=int, nargs="+", help="thread counts; N pins to the first N cores"
    )
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", nargs="+", choices=("bbox", "segm"), default=["bbox", "segm"])
    parser.add_argument(
        "--density", nargs="+", choices=("sparse", "dense"), default=["sparse", "dense"]
    )
    parser.add_argument("--repeats", type=int, default=3, help="fresh processes per cell")
    parser.add_argument("--repeats-1t", type=int, help="repeats of 1-thread rows")
    parser.add_argument(
        "--deadline",
        type=float,
        help="seconds: once past, no further repeats start (every cell has one run)",
    )
    parser.add_argument("--with-pycocotools", action="store_true", help="add pycocotools")
    parser.add_argument("--only", nargs="+", metavar="LIB", help="run only these libraries")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per child")
    parser.add_argument("--json", type=Path, help="write the raw numbers here")
    parser.add_argument("--md", type=Path, help="write the printed report here too")
    args = parser.parse_args(argv)
    began = time.monotonic()

    lines: list[str] = []

    def emit(text: str = "") -> None:
        print(text, flush=True)
        lines.append(text)

    usable = sorted(os.sched_getaffinity(0))
    ordered = cores_in_order()
    settings: list[Setting] = []
    notes: list[str] = []
    r1 = args.repeats_1t or args.repeats
    if args.cpus:
        cpus = parse_cpus(args.cpus)
        if not set(cpus) <= set(usable):
            parser.error(f"--cpus {args.cpus}: this process may only use {format_cpus(usable)}")
        settings.append(Setting(len(cpus), tuple(cpus), r1 if len(cpus) == 1 else args.repeats))
    else:
        for n in args.threads or [len(usable)]:
            if n > len(usable):
                notes.append(f"{n} threads skipped: only {len(usable)} usable cores")
                continue
            cpus = sorted(ordered[:n])
            settings.append(Setting(n, tuple(cpus), r1 if n == 1 else args.repeats))

    libs = [MODELMETRICS, *PEERS] + ([PYCOCOTOOLS] if args.with_pycocotools else [])
    if args.only:
        libs = [lib for lib in libs if lib in args.only]
    for lib in list(libs):
        why = available(lib)
        if why:
            notes.append(f"{lib} not run: {why}")
            libs.remove(lib)

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
    emit(f"# COCO engine benchmark: {args.images:,} images, fresh pinned process per run ({now})")
    emit(
        f"Python {platform.python_version()}, {platform.machine()}; {versions(libs)}; "
        f"nproc {len(usable)} (os.cpu_count() {os.cpu_count()}); "
        f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )

    # The data: generated on every usable core, then cached.
    sys.path.insert(0, str(HERE))
    import coco_realistic

    data: dict[str, Path] = {}
    summaries: dict[str, Any] = {}
    for density in args.density:
        start = time.monotonic()
        data[density] = coco_realistic.cached(args.images, density, args.seed)
        summaries[density] = json.loads((data[density] / "summary.json").read_text())
        s = summaries[density]
        emit(
            f"data {density}: {s['gt']:,} GT ({s['gt_per_image']}/image, {s['crowd']} crowd, "
            f"small/medium/large {'/'.join(f'{x:.0%}' for x in s['small_medium_large'])}), "
            f"{s['dets']:,} detections ({s['dets_per_image']}/image, {s['images_at_cap']} images "
            f"at 100); files {s['bytes']['gt.json'] / MiB:.1f} / "
            f"{s['bytes']['dt_bbox.json'] / MiB:.1f} / {s['bytes']['dt_segm.json'] / MiB:.1f} MiB "
            f"(gt / bbox / segm) [{time.monotonic() - start:.1f} s]"
        )

    # The control, on each setting's cores.
    emit("")
    emit("Control: sha256 over 16 MiB in N threads vs 1 thread, pinned (valid: >= 0.9 N)")
    control: dict[int, float] = {}
    for s in settings:
        if s.threads == 1:
            control[1] = 1.0
            emit(f"- 1 thread, taskset -c {format_cpus(s.cpus)}: 1.00x by definition")
            continue
        got = spawn(["--control", str(s.threads)], s.cpus, s.threads, args.timeout)
        control[s.threads] = float(got.get("speedup", 0.0))
        verdict = "valid" if control[s.threads] >= CONTROL_EFFICIENCY * s.threads else "INVALID"
        emit(
            f"- {s.threads} threads, taskset -c {format_cpus(s.cpus)}: "
            f"{control[s.threads]:.2f}x ({verdict})"
        )

    cells = [
        Cell(work, density, s, lib)
        for s in settings
        for work in args.work
        for density in args.density
        for lib in libs
    ]
    # Repeat-major: every cell gets its first run before any gets its second, so a
    # deadline leaves all cells measured, and load drifts spread over all of them.
    total = sum(c.setting.repeats for c in cells)
    done = 0
    skipped = 0
    for r in range(max(s.repeats for s in settings) if settings else 0):
        for c in cells:
            if r >= c.setting.repeats:
                continue
            # Past the first pass, a run that would end after the deadline (judged by this
            # cell's last run) is left out: the cell keeps fewer repeats, its n says so.
            if r and args.deadline:
                expected = c.runs[-1].get("wall", 0.0)
                if time.monotonic() - began + expected > args.deadline:
                    skipped += 1
                    continue
            gt = data[c.density] / "gt.json"
            dt = data[c.density] / f"dt_{c.work}.json"
            done += 1
            started = time.monotonic() - began
            print(
                f"[{time.monotonic() - began:6.1f} s] {done}/{total} {c.work} {c.density} "
                f"{c.setting.threads}T {c.lib}",
                file=sys.stderr,
                flush=True,
            )
            result = spawn(
                ["--child", c.lib, c.work, str(gt), str(dt)],
                c.setting.cpus,
                c.setting.threads,
                args.timeout,
            )
            result["wall"] = time.monotonic() - began - started
            c.runs.append(result)
    if skipped:
        notes.append(f"deadline {args.deadline:.0f} s: {skipped} of {total} runs left out (see n)")

    failures = report(emit, cells, settings, libs, control, notes)
    emit(
        f"load average at the end {', '.join(f'{x:.2f}' for x in os.getloadavg())}; "
        f"{time.monotonic() - began:.0f} s in all"
    )
    if args.md:
        args.md.write_text("\n".join(lines) + "\n")
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "images": args.images,
                    "seed": args.seed,
                    "python": platform.python_version(),
                    "versions": versions(libs),
                    "nproc": len(usable),
                    "data": summaries,
                    "control": {str(k): v for k, v in control.items()},
                    "cells": [
                        {
                            "work": c.work,
                            "density": c.density,
                            "threads": c.setting.threads,
                            "cpus": format_cpus(c.setting.cpus),
                            "lib": c.lib,
                            "median_ms": {
                                k: c.median(k)
                                for k in ("load", "evaluate+accumulate", "end-to-end")
                            },
                            "rss_mib": c.median("rss"),
                            "runs": c.runs,
                        }
                        for c in cells
                    ],
                    "notes": notes,
                },
                indent=1,
            )
        )
    return 1 if failures else 0


def fmt_ratio(x: float) -> str:
    return f"{x:.2f}x" if x < 10 else f"{x:.1f}x"


def fmt_value(x: float | None, cell: Cell) -> str:
    if x is None:
        return f"failed ({(cell.error() or 'no run').split(':')[0]})"
    return f"{x:,.0f}" if x >= 100 else f"{x:.1f}"


def _report_serial_share(
    emit: Callable[[str], None],
    index: dict[tuple[str, str, int, str], Cell],
    groups: list[tuple[str, str]],
    settings: list[Setting],
) -> None:
    """Per stage, modelmetrics' median time outside its thread-parallel regions (serial:
    Python, one-thread kernels) and inside them (GIL-free kernels split over threads)."""
    emit("")
    emit("### modelmetrics per stage: serial / in parallel regions (ms), and the serial share")
    emit("### of evaluate + accumulate (target: at most 5% on the dense sets)")
    head = ["work", "density", "threads", "load", "evaluate", "accumulate", "serial share"]
    emit("| " + " | ".join(head) + " |")
    emit("|" + "---|" * len(head))
    for work, density in groups:
        for s in settings:
            cell = index.get((work, density, s.threads, MODELMETRICS))
            runs = [r for r in cell.good if "parallel" in r] if cell else []
            if not runs:
                continue
            row = [work, density, str(s.threads)]
            serial_total = total = 0.0
            for stage in ("load", "evaluate", "accumulate"):
                par = statistics.median(r["parallel"][stage] for r in runs)
                wall = statistics.median(r["times"][stage] for r in runs)
                row.append(f"{1e3 * (wall - par):,.0f} / {1e3 * par:,.0f}")
                if stage != "load":
                    serial_total += wall - par
                    total += wall
            row.append(f"{100 * serial_total / total:.0f}%" if total else "n/a")
            emit("| " + " | ".join(row) + " |")


def report(
    emit: Callable[[str], None],
    cells: list[Cell],
    settings: list[Setting],
    libs: list[str],
    control: dict[int, float],
    notes: list[str],
) -> list[str]:
    """Print the tables and the checks; the list of failed exactness checks."""
    index = {(c.work, c.density, c.setting.threads, c.lib): c for c in cells}
    groups = sorted({(c.work, c.density) for c in cells}, key=lambda g: (g[0], g[1] != "sparse"))
    peers = [p for p in PEERS if p in libs]
    measures = (
        ("evaluate + accumulate (ms)", "evaluate+accumulate", "faster"),
        ("end to end, files -> stats (ms)", "end-to-end", "faster"),
        ("load: COCO(gt) + loadRes(dt) (ms)", "load", "faster"),
        ("peak RSS (MiB)", "rss", "smaller"),
    )
    met: dict[str, list[bool]] = {m[1]: [] for m in measures}
    for title, key, best in measures:
        emit("")
        emit(f"### {title}, median of n fresh processes")
        head = ["work", "density", "threads", "n", *libs]
        if MODELMETRICS in libs and peers:
            head.append(f"{best} peer / modelmetrics")
        head.append("control")
        emit("| " + " | ".join(head) + " |")
        emit("|" + "---|" * len(head))
        for work, density in groups:
            for s in settings:
                row_cells = [index[(work, density, s.threads, lib)] for lib in libs]
                values = {c.lib: c.median(key) for c in row_cells}
                n = min((len(c.good) for c in row_cells), default=0)
                row = [work, density, str(s.threads), str(n)]
                row += [fmt_value(values[c.lib], c) for c in row_cells]
                valid = control.get(s.threads, 0.0) >= CONTROL_EFFICIENCY * s.threads
                if MODELMETRICS in libs and peers:
                    mine = values[MODELMETRICS]
                    theirs = [v for v in (values[p] for p in peers) if v is not None]
                    if mine and theirs:
                        ratio = min(theirs) / mine
                        need = 1.0 if key == "rss" else SPEEDUP_TARGET
                        ok = ratio >= need
                        if key != "load":
                            met[key].append(ok)
                        mark = "" if key == "load" else (" (met)" if ok else " (NOT met)")
                        row.append(fmt_ratio(ratio) + mark)
                    else:
                        row.append("n/a")
                row.append(f"{control.get(s.threads, 0.0):.2f}x" + ("" if valid else " INVALID"))
                emit("| " + " | ".join(row) + " |")
    if MODELMETRICS in libs:
        _report_serial_share(emit, index, groups, settings)
    emit("")
    emit(
        f"Targets: evaluate + accumulate and end to end >= {SPEEDUP_TARGET}x faster than the "
        "faster peer; peak RSS no higher than the smaller peer's (ratio >= 1)."
    )
    for key, oks in met.items():
        if oks:
            emit(f"- {key}: met in {sum(oks)} of {len(oks)} rows")

    # Exactness: the stats of every run against modelmetrics'.
    failures: list[str] = []
    emit("")

    def runs_of(work: str, density: str, lib: str) -> list[dict[str, Any]]:
        keys = [(work, density, s.threads, lib) for s in settings]
        return [r for k in keys if k in index for r in index[k].good]

    for work, density in groups:
        mm_runs = runs_of(work, density, MODELMETRICS)
        if not mm_runs:
            emit(f"stats {work} {density}: no modelmetrics run to compare with")
            continue
        ref = mm_runs[0]["stats"]
        words = []
        if any(r["stats"] != ref for r in mm_runs):
            failures.append(f"modelmetrics {work} {density}: stats differ between thread counts")
        for lib in libs:
            if lib == MODELMETRICS:
                continue
            runs = runs_of(work, density, lib)
            if not runs:
                continue
            diff = max(max(abs(a - b) for a, b in zip(r["stats"], ref, strict=True)) for r in runs)
            if lib == PYCOCOTOOLS:
                if all(r["stats"] == ref for r in runs):
                    words.append("pycocotools ==")
                else:
                    words.append(f"pycocotools DIFFERS (max {diff:.3g})")
                    failures.append(f"pycocotools {work} {density}: modelmetrics' stats not ==")
            elif diff <= PEER_TOLERANCE:
                words.append(f"{lib} {'==' if diff == 0 else f'within {diff:.1g}'}")
            else:
                words.append(f"WARNING {lib} differs by up to {diff:.3g}")
        stats = ", ".join(f"{x:.4f}" for x in ref)
        emit(f"stats {work} {density} vs modelmetrics: {'; '.join(words) or '-'}  [{stats}]")
    for c in cells:
        if c.error():
            notes.append(f"{c.lib} {c.work} {c.density} {c.setting.threads}T: {c.error()}")
    for note in notes:
        emit(f"Note: {note}")
    for f in failures:
        emit(f"FAILED: {f}")
    return failures


if __name__ == "__main__":
    if len(sys.argv) == 7 and sys.argv[1] == "--child":
        child(*sys.argv[2:7])
    elif len(sys.argv) == 4 and sys.argv[1] == "--control":
        control_child(int(sys.argv[2]), sys.argv[3])
    else:
        sys.exit(main())
