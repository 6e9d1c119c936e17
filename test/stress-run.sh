#!/usr/bin/env bash
# Runs the whole test suite several times in a row while CPU-heavy work runs
# beside it, the way a busy CI machine or a developer's laptop runs it: a
# test that depends on timing fails here first. Prints each run's result and
# duration, stops at the first failed run (its log shows what failed; the
# runs after it would only bury it) and exits non-zero then.
#
#   test/stress-run.sh                 3 runs of test/run-all.sh, one CPU burner per core
#   test/stress-run.sh 5 tap           5 runs of `test/run-all.sh tap`
#   STRESS_BURNERS=4 test/stress-run.sh
#
# The burners are busy loops at the same priority as the tests, so the suite
# gets roughly half of the machine. Each run's output is kept in
# build/stress/run-N.log (build*/ is ignored by git); a new stress run
# removes the previous one's logs first, so every log there is this run's.
set -uo pipefail

runs=${1:-3}
shift $(($# > 0 ? 1 : 0))
repo=$(cd "$(dirname "$0")/.." && pwd)
burners=${STRESS_BURNERS:-$(nproc)}
logs=$repo/build/stress
mkdir -p "$logs"
rm -f "$logs"/run-*.log

burner_pids=()
stop_burners() {
    for pid in "${burner_pids[@]}"; do kill "$pid" 2>/dev/null; done
    for pid in "${burner_pids[@]}"; do wait "$pid" 2>/dev/null; done
    burner_pids=()
}
trap stop_burners EXIT

for _ in $(seq "$burners"); do
    bash -c 'while :; do :; done' &
    burner_pids+=($!)
done
echo "stress: $runs runs of test/run-all.sh $* beside $burners CPU burners on $(nproc) cores"

failed_runs=0
completed_runs=0
for run in $(seq "$runs"); do
    started=$SECONDS
    "$repo/test/run-all.sh" "$@" >"$logs/run-$run.log" 2>&1 </dev/null
    status=$?
    completed_runs=$run
    summary=$(grep -E '^suites: ' "$logs/run-$run.log" | tail -n 1)
    failures=$(grep -E '^failed suites: |Failed test|Dubious|Failed [0-9]+\/[0-9]+' "$logs/run-$run.log" | head -n 8)
    if [ $status -eq 0 ]; then
        echo "run $run: ok, ${summary:-no summary} ($((SECONDS - started)) s)"
    else
        failed_runs=$((failed_runs + 1))
        echo "run $run: FAILED, ${summary:-no summary} ($((SECONDS - started)) s); see $logs/run-$run.log"
        [ -n "$failures" ] && echo "$failures" | sed 's/^/    /'
        break
    fi
done

stop_burners
echo "stress: $((completed_runs - failed_runs)) of $runs runs passed$([ $failed_runs -eq 0 ] || echo ", stopped at the first failure")"
[ $failed_runs -eq 0 ]
