"""TIDE error breakdown on realistic COCO data: modelmetrics against tidecv and hotcoco,
each measurement in a fresh process pinned to a fixed set of cores.

Run::

    python benchmarks/bench_tide.py --cpus 0          # pinned to core 0
    python benchmarks/bench_tide.py --cpus 0-1        # pinned to cores 0 and 1
    python benchmarks/bench_tide.py --work bbox --density dense --repeats 5 --md out.md

Options: ``--images 5000``, ``--work bbox segm``, ``--density sparse dense`` (the data of
``coco_realistic.py``, the COCO engine benchmark's, cached in ``benchmarks/.cache/``),
``--repeats 3`` (fresh processes per cell; tidecv, minutes per run, gets
``--tidecv-repeats 1``), ``--only LIB ...``, ``--json`` / ``--md`` (write the numbers or
the report).

What it measures, per library, from the two files to the error breakdown:

- load: tidecv's ``datasets.COCO(gt)`` + ``datasets.COCOResult(dt)``; hotcoco's
  ``COCO(gt)`` + ``load_res(dt)``; modelmetrics' ``COCO(gt)`` + ``loadRes(dt)``;
- TIDE: tidecv's ``TIDE(mode=...).evaluate(gt, dt)`` + ``get_main_errors()`` +
  ``get_special_errors()`` (its README's calls, without the printing); hotcoco's
  ``COCOeval(gt, dt, iou_type)`` + ``evaluate()`` + ``tide_errors()`` (which needs the
  evaluation first); modelmetrics' ``tide(gt, dt, iou_type)``;
- end to end: both (the imports not included).

Each cell is the median over its processes, whose runs alternate with the other
libraries'. Every child returns its dAPs, counts and base AP: modelmetrics' must be within
0.01 AP points of tidecv's and its counts equal (the script exits 1 otherwise; they are in
fact ``==``); hotcoco's differences from tidecv are shown, not checked (it implements TIDE
differently). Threads: ``MODELMETRICS_NUM_THREADS`` and ``RAYON_NUM_THREADS`` (hotcoco)
are set to the number of pinned cores; tidecv runs on one.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _timing import environment, markdown_table  # noqa: E402

MODELMETRICS, HOTCOCO, TIDECV = "modelmetrics", "hotcoco", "tidecv"
LIBRARIES = (TIDECV, HOTCOCO, MODELMETRICS)
ERRORS = ("Cls", "Loc", "Both", "Dupe", "Bkg", "Miss", "FalsePos", "FalseNeg")
TOLERANCE = 0.01  # AP points: the bound for the dAPs against tidecv


# --------------------------------------------------------------------------------------
# children: one run, files to error breakdown


def _run(lib: str, work: str, gt_path: str, dt_path: str) -> tuple[dict[str, Any], float]:
    """(result, load seconds) of one library; the TIDE stage is timed by the caller."""
    if lib == MODELMETRICS:
        from modelmetrics.analysis import tide
        from modelmetrics.coco import COCO

        start = time.perf_counter()
        gt = COCO(gt_path)
        dt = gt.loadRes(dt_path)
        loaded = time.perf_counter()
        r = tide(gt, dt, work)
        dap = {**r.main_errors, **r.special_errors}
        return {"dap": dap, "counts": r.counts, "ap": r.ap, "t0": loaded}, loaded - start
    if lib == HOTCOCO:
        from hotcoco import COCO, COCOeval

        start = time.perf_counter()
        gt = COCO(gt_path)
        dt = gt.load_res(dt_path)
        loaded = time.perf_counter()
        ev = COCOeval(gt, dt, work)
        ev.evaluate()
        h = ev.tide_errors()
        names = {"FP": "FalsePos", "FN": "FalseNeg"}
        dap = {names.get(k, k): 100 * v for k, v in h["delta_ap"].items()}
        out = {"dap": dap, "counts": h["counts"], "ap": 100 * h["ap_base"], "t0": loaded}
        return out, loaded - start
    if lib == TIDECV:
        warnings.simplefilter("ignore")  # pycocotools under numpy 2, inside tidecv
        from tidecv import TIDE, datasets

        start = time.perf_counter()
        gt = datasets.COCO(gt_path)
        dt = datasets.COCOResult(dt_path)
        loaded = time.perf_counter()
        t = TIDE(mode=TIDE.MASK if work == "segm" else TIDE.BOX)
        run = t.evaluate(gt, dt, name="run")
        dap = {**t.get_main_errors()["run"], **t.get_special_errors()["run"]}
        counts = {e.short_name: n for e, n in run.count_errors().items()}
        return {"dap": dap, "counts": counts, "ap": run.ap, "t0": loaded}, loaded - start
    raise ValueError(f"unknown library {lib!r}")


def child(lib: str, work: str, gt_path: str, dt_path: str, out: str) -> None:
    result: dict[str, Any] = {"lib": lib, "error": None}
    try:
        got, load = _run(lib, work, gt_path, dt_path)
        end = time.perf_counter()
        result.update(
            dap=got["dap"],
            counts=got["counts"],
            ap=got["ap"],
            times={"load": load, "tide": end - got["t0"], "total": load + end - got["t0"]},
            rss=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        )
    except Exception as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"[:400]
    Path(out).write_text(json.dumps(result))


# --------------------------------------------------------------------------------------
# parent


def parse_cpus(text: str) -> list[int]:
    """A taskset-style list, '0', '0-1', '0,2,4-7', as sorted CPU numbers."""
    cpus: set[int] = set()
    for part in text.split(","):
        lo, _, hi = part.strip().partition("-")
        cpus.update(range(int(lo), int(hi or lo) + 1))
    return sorted(cpus)


def spawn(args: list[str], cpus: list[int], timeout: float) -> dict[str, Any]:
    """This script in a fresh process pinned to `cpus` (before exec, as ``taskset -c``)."""
    env = dict(os.environ)
    for name in ("MODELMETRICS_NUM_THREADS", "RAYON_NUM_THREADS", "OMP_NUM_THREADS"):
        env[name] = str(len(cpus))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "result.json"
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", *args, str(out)]
        try:
            proc = subprocess.run(
                cmd,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                timeout=timeout,
                env=env,
                preexec_fn=lambda: os.sched_setaffinity(0, cpus),
            )
        except subprocess.TimeoutExpired:
            return {"error": f"timed out after {timeout:.0f} s"}
        if not out.exists():
            tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
            return {"error": f"exit code {proc.returncode}: {tail}"[:400]}
        return json.loads(out.read_text())  # type: ignore[no-any-return]


def _median(runs: list[dict[str, Any]], key: str) -> float | None:
    good = [r["times"][key] for r in runs if not r.get("error")]
    return statistics.median(good) if good else None


def _max_diff(a: dict[str, float], b: dict[str, float]) -> float:
    return max(abs(a[k] - b[k]) for k in ERRORS)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cpus", default="0", help="taskset-style CPU list, e.g. 0 or 0-1")
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work", nargs="+", choices=("bbox", "segm"), default=["bbox", "segm"])
    parser.add_argument(
        "--density", nargs="+", choices=("sparse", "dense"), default=["sparse", "dense"]
    )
    parser.add_argument("--repeats", type=int, default=3, help="fresh processes per cell")
    parser.add_argument("--tidecv-repeats", type=int, default=1, help="tidecv's processes")
    parser.add_argument("--only", nargs="+", choices=LIBRARIES, help="run only these")
    parser.add_argument("--timeout", type=float, default=1800, help="seconds per child")
    parser.add_argument("--json", type=Path, help="write the raw numbers here")
    parser.add_argument("--md", type=Path, help="write the printed report here too")
    args = parser.parse_args(argv)
    cpus = parse_cpus(args.cpus)
    libs = [lib for lib in LIBRARIES if not args.only or lib in args.only]

    import coco_realistic

    data = {d: coco_realistic.cached(args.images, d, args.seed) for d in args.density}
    cells = [(w, d) for w in args.work for d in args.density]
    runs: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    rounds = max(args.repeats, args.tidecv_repeats)
    for r in range(rounds):
        for work, density in cells:
            for lib in libs:
                wanted = args.tidecv_repeats if lib == TIDECV else args.repeats
                if r >= wanted:
                    continue
                folder = data[density]
                cell_args = [lib, work, str(folder / "gt.json"), str(folder / f"dt_{work}.json")]
                result = spawn(cell_args, cpus, args.timeout)
                runs.setdefault((work, density, lib), []).append(result)
                took = (result.get("times") or {}).get("total")
                note = result.get("error") or f"{took:.2f} s"
                print(f"  [{r + 1}/{rounds}] {work} {density} {lib}: {note}", file=sys.stderr)

    failed = False
    lines = [
        f"# TIDE error breakdown, {args.images} images, pinned to cpus {args.cpus}",
        "",
        environment(["tidecv", "hotcoco"]),
        "",
        "Median seconds over fresh processes (tidecv: "
        f"{args.tidecv_repeats}, others: {args.repeats}); speed-ups are tidecv's time over "
        "the library's; max |dAP diff| is over the 8 dAPs, in AP points, against tidecv.",
        "",
    ]
    headers = [
        "work", "density", "library", "load s", "TIDE s", "end-to-end s",
        "TIDE vs tidecv", "end-to-end vs tidecv", "TIDE vs hotcoco", "max |dAP diff|",
        "counts = tidecv",
    ]  # fmt: skip
    rows = []
    for work, density in cells:
        ref_runs = [x for x in runs.get((work, density, TIDECV), []) if not x.get("error")]
        ref = ref_runs[0] if ref_runs else None
        tidecv_tide = _median(runs.get((work, density, TIDECV), []), "tide")
        tidecv_total = _median(runs.get((work, density, TIDECV), []), "total")
        hot_tide = _median(runs.get((work, density, HOTCOCO), []), "tide")
        for lib in libs:
            cell = runs.get((work, density, lib), [])
            good = [x for x in cell if not x.get("error")]
            if not good:
                error = cell[0].get("error") if cell else "not run"
                rows.append([work, density, lib, error, "", "", "", "", "", "", ""])
                continue
            load, tide_s, total = (_median(cell, k) for k in ("load", "tide", "total"))
            assert load is not None
            assert tide_s is not None
            assert total is not None

            def ratio(base: float | None, value: float) -> str:
                return f"{base / value:.1f}x" if base else "-"

            diff, same_counts = "-", "-"
            if ref is not None:
                d = _max_diff(good[0]["dap"], ref["dap"])
                diff = f"{d:.2g}"
                same_counts = "yes" if good[0]["counts"] == ref["counts"] else "no"
                if lib == MODELMETRICS and (d > TOLERANCE or same_counts == "no"):
                    failed = True
            rows.append([
                work, density, lib, f"{load:.2f}", f"{tide_s:.2f}", f"{total:.2f}",
                ratio(tidecv_tide, tide_s), ratio(tidecv_total, total),
                ratio(hot_tide, tide_s), diff, same_counts,
            ])  # fmt: skip
    lines.append(markdown_table(headers, rows))
    if failed:
        lines += ["", f"FAILED: modelmetrics differs from tidecv by more than {TOLERANCE}."]
    report = "\n".join(lines)
    print(report)
    if args.md:
        args.md.write_text(report + "\n")
    if args.json:
        raw = {f"{w}/{d}/{lib}": v for (w, d, lib), v in runs.items()}
        args.json.write_text(json.dumps({"cpus": args.cpus, "runs": raw}, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) == 7 and sys.argv[1] == "--child":
        child(*sys.argv[2:7])
    else:
        sys.exit(main())
