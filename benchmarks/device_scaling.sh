#!/usr/bin/env bash
# COCO engine scaling table on a fresh many-core Linux machine, without network: builds
# modelmetrics from this checkout, generates the realistic data and prints the 1/2/4/8/16
# thread table (bbox and segm, sparse and dense; evaluate + accumulate, end to end, load,
# peak RSS) against hotcoco and ultrafast-pycocotools, with the control first.
#
# Run from the repository root, with .whl/ carried in (see below):
#
#     bash benchmarks/device_scaling.sh                # OUT=/some/dir to keep the results
#
# Expects: x86-64 Linux, python3 3.12 with numpy, cython, scikit-build-core, cmake and ninja;
# a C compiler; root or a writable /tmp. .whl/ holds cp312 manylinux wheels of pycocotools,
# hotcoco and ultrafast-pycocotools (their only runtime requirement, numpy, is there) and
# cython-cmake (the one build requirement not on the machine). They are installed with
# --target into $SITE and put on PYTHONPATH; modelmetrics is built with the machine's
# build tools (--no-build-isolation --no-index) and installed there too, without extras.
#
# Budget: the whole script must end within $BUDGET seconds (330, under the 6 minutes it is
# given). Build about 1 minute, data about 15 s, control a few seconds; the benchmark then
# runs every cell once (1-thread rows: once only, REPEATS_1T=1, as they are the slowest),
# then adds repeats up to REPEATS=3 while the deadline allows: bench_coco_engine.py skips a
# repeat that its cell's last run says would end past the deadline, and the n column shows
# how many runs each median has.
#
# Environment (all optional):
#   PY          python to use (python3)
#   THREADS     thread counts ("1 2 4 8 16")
#   IMAGES      images in the data sets (5000)
#   REPEATS     fresh processes per cell (3); REPEATS_1T for the 1-thread rows (1)
#   BUDGET      seconds for the whole script (330)
#   WHEELS      folder of wheels (.whl); SITE: where they and modelmetrics go (/tmp/site)
#   OUT         if set, the output also goes to $OUT/scaling.md, the raw numbers to
#               $OUT/scaling.json, the build log and the per-run progress next to them
#   PROFILE=1   instead of the table: dense data only, and benchmarks/profile_coco.py's
#               stage times and top functions for bbox and segm at 1 and 16 threads
#   DRY=1       a small dry run for a machine without Python 3.12 (e.g. the 2-core dev VM):
#               PY must be a virtual environment that has the peers, pycocotools and the
#               build tools (cython-cmake included); the wheel install is skipped, the
#               build and everything after it run as on the device; defaults IMAGES=200,
#               THREADS="1 2", REPEATS=1, SITE=/tmp/site-dry.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
T0=$(date +%s)
DRY=${DRY:-0}
if [[ "$DRY" == 1 ]]; then
    : "${PY:?DRY=1 needs PY=<python of a venv with the peers and the build tools>}"
    IMAGES=${IMAGES:-200}
    THREADS=${THREADS:-"1 2"}
    REPEATS=${REPEATS:-1}
    SITE=${SITE:-/tmp/site-dry}
fi
PY=${PY:-python3}
THREADS=${THREADS:-"1 2 4 8 16"}
IMAGES=${IMAGES:-5000}
REPEATS=${REPEATS:-3}
REPEATS_1T=${REPEATS_1T:-1}
BUDGET=${BUDGET:-330}
WHEELS=${WHEELS:-.whl}
SITE=${SITE:-/tmp/site}
WORK=$(mktemp -d /tmp/device-scaling.XXXXXX)
DEST=${OUT:-$WORK}

elapsed() { echo $(($(date +%s) - T0)); }
stamp() { printf '\n[%s, +%ds] %s\n' "$(date -u +%H:%M:%S)" "$(elapsed)" "$*"; }

main() {
    stamp "start: $(uname -srm); $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"
    grep -m1 'model name' /proc/cpuinfo || true
    echo "PY=$PY ($("$PY" -c 'import platform; print(platform.python_version())'))" \
        "THREADS=\"$THREADS\" IMAGES=$IMAGES REPEATS=$REPEATS REPEATS_1T=$REPEATS_1T" \
        "BUDGET=${BUDGET}s DRY=$DRY"
    command -v cc >/dev/null || command -v gcc >/dev/null || {
        echo "no C compiler (cc or gcc) on PATH: modelmetrics cannot be built" >&2
        exit 1
    }
    mkdir -p "$SITE"
    export PYTHONPATH="$SITE${PYTHONPATH:+:$PYTHONPATH}"
    export PIP_DISABLE_PIP_VERSION_CHECK=1

    if [[ "$DRY" == 1 ]]; then
        stamp "wheels: skipped (DRY=1: $PY's environment has the peers)"
    else
        local wheels=("$WHEELS"/*.whl)
        [[ -e "${wheels[0]}" ]] || { echo "no wheels in $WHEELS" >&2; exit 1; }
        stamp "wheels: installing ${#wheels[@]} from $WHEELS into $SITE"
        "$PY" -m pip install -q --no-index --no-deps --upgrade --target "$SITE" \
            "${wheels[@]}"
        printf '  %s\n' "${wheels[@]##*/}"
    fi

    stamp "build: modelmetrics from $(pwd), offline, into $SITE"
    # The build tools come from the machine (and cython-cmake from $SITE through
    # PYTHONPATH); CMake compiles on every core. Byte code is compiled at install, as
    # pip install does by default: without it, every fresh process compiles each module
    # it imports (the machine does not keep .pyc files), 40-65 ms inside evaluate.
    export CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)}
    if ! "$PY" -m pip install --no-build-isolation --no-deps --no-index \
        --upgrade --target "$SITE" . >"$DEST/build.log" 2>&1; then
        tail -n 40 "$DEST/build.log"
        echo "build failed; the whole log: $DEST/build.log" >&2
        exit 1
    fi
    tail -n 1 "$DEST/build.log"
    "$PY" - "$SITE" <<'EOF'
import sys
from importlib.metadata import version

import modelmetrics

site = sys.argv[1]
if not modelmetrics.__file__.startswith(site):
    sys.exit(f"modelmetrics imports from {modelmetrics.__file__}, not from {site}")
names = ("numpy", "modelmetrics", "pycocotools", "hotcoco", "ultrafast-pycocotools")
print("installed:", ", ".join(f"{n} {version(n)}" for n in names))
try:
    import orjson  # noqa: F401

    print("note: orjson is importable; the issue asks for the package without extras")
except ImportError:
    pass
EOF

    if [[ "${PROFILE:-0}" == 1 ]]; then
        stamp "data: $IMAGES images, dense, on $(nproc) cores"
        "$PY" benchmarks/coco_realistic.py --images "$IMAGES" --density dense
        for work in bbox segm; do
            stamp "profile: $work dense"
            "$PY" benchmarks/profile_coco.py --work "$work" --density dense --images "$IMAGES" \
                --threads 1 "$(nproc)" --top 18
        done
        stamp "done in $(elapsed) s"
        return
    fi
    stamp "data: $IMAGES images, dense and sparse, on $(nproc) cores"
    for density in dense sparse; do
        "$PY" benchmarks/coco_realistic.py --images "$IMAGES" --density "$density"
    done

    local deadline=$((BUDGET - $(elapsed) - 15))
    stamp "benchmark: threads $THREADS, repeats $REPEATS (1 thread: $REPEATS_1T);" \
        "no new run past ${deadline}s from here"
    # Progress lines go to a file, so the tables end the output (and a log's tail).
    local threads
    read -r -a threads <<<"$THREADS"
    if ! "$PY" benchmarks/bench_coco_engine.py --images "$IMAGES" --threads "${threads[@]}" \
        --repeats "$REPEATS" --repeats-1t "$REPEATS_1T" --deadline "$deadline" \
        --json "$DEST/scaling.json" 2>"$DEST/progress.log"; then
        tail -n 20 "$DEST/progress.log"
        stamp "benchmark FAILED (an exactness check or a crash; see above)"
        exit 1
    fi
    stamp "done in $(elapsed) s (budget ${BUDGET}s); raw numbers in $DEST/scaling.json"
}

if [[ -n "${OUT:-}" ]]; then
    mkdir -p "$OUT"
    # pipefail: the script fails when main does, tee or not.
    main 2>&1 | tee "$OUT/scaling.md"
else
    main
fi
