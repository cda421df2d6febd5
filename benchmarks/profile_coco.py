"""Where modelmetrics' COCO evaluation spends its time, stage by stage, on the cached
realistic data (``coco_realistic.py``): wall time of load, evaluate and accumulate, the
part of each spent in thread-parallel regions, and the functions with the most own time
(cProfile; GIL-free kernels count in the Python function that runs them).

Run::

    python benchmarks/profile_coco.py --work bbox --density dense --threads 1 16

Each thread count runs in a fresh process (the profile of one does not warm the next).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def child(work: str, density: str, images: int, threads: int, top: int) -> None:
    sys.path.insert(0, str(HERE))
    import coco_realistic

    import modelmetrics
    import modelmetrics._core.parallel as parallel
    from modelmetrics.coco import COCO, COCOeval

    modelmetrics.set_num_threads(threads)
    in_parallel = [0.0]
    original = parallel.run_parallel

    def timed(*args, **kwargs):  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            in_parallel[0] += time.perf_counter() - start

    for module in list(sys.modules.values()):
        if getattr(module, "run_parallel", None) is original:
            module.run_parallel = timed  # type: ignore[attr-defined]
    folder = coco_realistic.cached(images, density, seed=0)
    gt_path, dt_path = folder / "gt.json", folder / f"dt_{work}.json"
    profile = cProfile.Profile()
    marks = [time.perf_counter()]
    par = [0.0]
    gt = COCO(str(gt_path))
    dt = gt.loadRes(str(dt_path))
    marks.append(time.perf_counter())
    par.append(in_parallel[0])
    profile.enable()
    ev = COCOeval(gt, dt, work)
    ev.evaluate()
    marks.append(time.perf_counter())
    par.append(in_parallel[0])
    ev.accumulate()
    profile.disable()
    marks.append(time.perf_counter())
    par.append(in_parallel[0])
    print(f"## {work} {density}, {threads} thread(s), pid {os.getpid()}")
    for k, stage in enumerate(("load", "evaluate", "accumulate"), start=1):
        wall = 1000 * (marks[k] - marks[k - 1])
        inside = 1000 * (par[k] - par[k - 1])
        print(
            f"- {stage}: {wall:.0f} ms, {inside:.0f} in parallel regions, {wall - inside:.0f} serial"
        )
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(top)
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    print("\n".join(lines[2:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", choices=("bbox", "segm"), default="bbox")
    parser.add_argument("--density", choices=("sparse", "dense"), default="dense")
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--threads", type=int, nargs="+", default=[1])
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.work, args.density, args.images, args.child, args.top)
        return
    for threads in args.threads:
        cmd = [sys.executable, __file__, "--work", args.work, "--density", args.density,
               "--images", str(args.images), "--top", str(args.top), "--child", str(threads)]  # fmt: skip
        cpus = list(range(min(threads, os.cpu_count() or 1)))
        subprocess.run(cmd, check=True, preexec_fn=lambda c=cpus: os.sched_setaffinity(0, c))


if __name__ == "__main__":
    main()
