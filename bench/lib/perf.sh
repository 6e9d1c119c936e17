# shellcheck shell=bash
# perf on the delivery worker (BENCH_PERF=1), sourced by common.sh: start
# before the measured interval, stop after it, then print where its CPU went.
PERF_PID=""
perf_worker_start() {
    perf record -F 999 -g -p "$1" -o "$2" >"$2.log" 2>&1 &
    PERF_PID=$!
    sleep 1
}

perf_worker_stop() {
    [ -n "$PERF_PID" ] || return 0
    kill -INT "$PERF_PID"
    wait "$PERF_PID" || true
    PERF_PID=""
}

perf_worker_report() {
    local data=$1
    echo "-- perf: the worker's CPU by shared object (self time)"
    perf report -i "$data" --stdio --no-children --sort dso -g none >"$data.dso" 2>/dev/null || true
    grep -v '^#' "$data.dso" | grep -v '^$' | sed 's/ *$//' | head -8 || true
    echo "-- perf: the worker's CPU by phase of its loop"
    perf script -i "$data" 2>/dev/null | "$PY" "$BENCH_ROOT/lib/perf_phases.py"
    echo "-- perf: top symbols (self time)"
    perf report -i "$data" --stdio --no-children --sort dso,symbol -g none >"$data.symbols" 2>/dev/null || true
    grep -v '^#' "$data.symbols" | grep -v '^$' | sed 's/ *- *- *$//; s/ *$//' | head -15 || true
}
