#!/usr/bin/env bash
# Runs every test of booking_events on a Debian 12 machine, as root or with
# sudo: installs the packages, builds with warnings as errors, runs the unit
# tests (plain and under ASan/UBSan), installs the extension, then runs the
# pg_regress suite and the TAP suite against servers started as the
# unprivileged user `postgres`. Prints "N passed, N failed" at the end and
# exits non-zero when anything failed.
#
#   test/run-all.sh                 every suite
#   test/run-all.sh regress tap     only these (format unit asan guards regress tap;
#                                   the build and install always run)
#   REGRESS="001_schema 008_security" PROVE_TESTS="test/t/001_delivery.pl" \
#   test/run-all.sh regress tap     only these regress files and TAP scripts
set -uo pipefail
only=("$@")
# A misspelt suite would otherwise run none and pass.
for suite in "${only[@]}"; do
    case $suite in
    format | unit | asan | guards | regress | tap) ;;
    *) echo "unknown suite: $suite (format unit asan guards regress tap)" >&2 && exit 2 ;;
    esac
done

repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)

"$repo/scripts/install-deps.sh" || { echo "could not install the dependencies" >&2; exit 1; }
# BOOKING_EVENTS_PG_BINDIR points at another PostgreSQL 15 installation (a
# relocated copy of the packaged one, say), so that several checkouts can be
# tested side by side without installing over each other.
pg_bindir=${BOOKING_EVENTS_PG_BINDIR:-/usr/lib/postgresql/15/bin}
export PATH="$pg_bindir:$PATH"
pg_config=$pg_bindir/pg_config
jobs=$(nproc)

passed=0
failed=0
failures=()
step() {  # step KEY NAME COMMAND...: runs one suite and counts it
    local key=$1 name=$2
    shift 2
    if [ ${#only[@]} -gt 0 ] && [ "$key" != always ] && [[ " ${only[*]} " != *" $key "* ]]; then
        return 0
    fi
    echo "=== $name"
    local started=$SECONDS
    if "$@"; then
        passed=$((passed + 1))
        echo "--- $name: ok ($((SECONDS - started)) s)"
    else
        failed=$((failed + 1))
        failures+=("$name")
        echo "--- $name: FAILED ($((SECONDS - started)) s)"
    fi
}

# The unit tests need no server, and the TAP suite spends most of its time
# waiting for the worker: the two unit-test builds and runs go beside the
# steps that follow (one after the other, in the background), and their
# output is shown and counted once those are done.
beside_pid=""
start_unit_tests_beside() {
    (
        passed=0 failed=0 failures=()
        step unit "unit tests (ctest)" unit_tests
        step asan "unit tests under ASan+UBSan (ctest)" sanitized_unit_tests
        printf '%s\n' "$passed" "$failed" "${failures[@]}" >"$workdir/beside.counts"
    ) >"$workdir/beside.log" 2>&1 </dev/null &
    beside_pid=$!
}
collect_unit_tests_beside() {
    wait "$beside_pid"
    beside_pid=""
    cat "$workdir/beside.log"
    local counts=()
    mapfile -t counts <"$workdir/beside.counts" 2>/dev/null
    if [ ${#counts[@]} -lt 2 ]; then
        failed=$((failed + 1))
        failures+=("unit tests (ended without a result)")
        return
    fi
    passed=$((passed + counts[0]))
    failed=$((failed + counts[1]))
    failures+=("${counts[@]:2}")
}

workdir=$(mktemp -d /tmp/booking_events_test.XXXXXX)
cleanup() {
    [ -n "$beside_pid" ] && kill "$beside_pid" 2>/dev/null
    [ -f "$workdir/regress/data/postmaster.pid" ] &&
        runuser -u postgres -- pg_ctl -D "$workdir/regress/data" -m immediate stop >/dev/null 2>&1
    # BOOKING_EVENTS_KEEP_WORKDIR=1 keeps the build tree and every server log.
    if [ -n "${BOOKING_EVENTS_KEEP_WORKDIR:-}" ]; then
        echo "kept: $workdir"
    else
        rm -rf "$workdir"
    fi
}
trap cleanup EXIT

unit_tests() {
    cmake -S "$repo" -B "$workdir/cmake" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null &&
        cmake --build "$workdir/cmake" -j "$jobs" &&
        (cd "$workdir/cmake" && ctest --output-on-failure -j "$jobs")
}

sanitized_unit_tests() {
    cmake -S "$repo" -B "$workdir/cmake-asan" -DBOOKING_EVENTS_SANITIZE=ON \
        -DBOOKING_EVENTS_BUILD_MODULE=OFF >/dev/null &&
        cmake --build "$workdir/cmake-asan" -j "$jobs" &&
        (cd "$workdir/cmake-asan" && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j "$jobs")
}

format_check() {
    git -C "$repo" ls-files '*.cpp' '*.hpp' | (cd "$repo" && xargs clang-format --dry-run --Werror)
}

# No source file over 450 lines (Markdown and expected outputs aside): a file
# that long does more than one job, and a released update script longer
# than that is kept as fragments (sql/updates/).
file_length_check() {
    git -C "$repo" ls-files -z | grep -zvE '\.md$|^expected/|\.expected$|\.out$' |
        (cd "$repo" && xargs -0 wc -l) | awk '$2 != "total" && $1 > 450 { print "over 450 lines: " $2; long = 1 } END { exit long }'
}

# Scripts an earlier install left behind (a full script of a version this
# tree installs through update scripts) would give CREATE EXTENSION a shorter
# path than the one users get: remove every script this tree does not ship.
remove_stale_scripts() {
    local dir shipped script
    dir="$("$pg_config" --sharedir)/extension"
    # The plain scripts and those built from sql/updates/<step>/.
    shipped=$(cd "$repo/sql" && ls booking_events--*.sql &&
        for step in updates/*--*/; do basename "$step" | sed 's/.*/booking_events--&.sql/'; done)
    for script in "$dir"/booking_events--*.sql; do
        [ -e "$script" ] || continue
        grep -qxF "$(basename "$script")" <<<"$shipped" || "${as_root[@]}" rm -f "$script"
    done
}

pgxs_build_and_install() {
    make -C "$repo" -s -j "$jobs" PG_CONFIG="$pg_config" &&
        remove_stale_scripts &&
        "${as_root[@]}" make -C "$repo" -s install PG_CONFIG="$pg_config"
}

# The suites that start servers run from a copy owned by `postgres`, since
# PostgreSQL refuses to run as root and writes its results next to the tests.
prepare_test_tree() {
    rsync -a --exclude '/build*' --exclude '.git' "$repo/" "$workdir/tree/" &&
        chown -R postgres: "$workdir"
}

regression_tests() {
    local data=$workdir/regress/data port=55432
    runuser -u postgres -- mkdir -p "$workdir/regress" &&
        runuser -u postgres -- initdb -D "$data" -A trust --no-sync >/dev/null &&
        cat >>"$data/postgresql.conf" <<CONF
shared_preload_libraries = 'booking_events'
booking_events.database_name = 'contrib_regression'
port = $port
unix_socket_directories = '$workdir/regress'
listen_addresses = ''
fsync = off
CONF
    runuser -u postgres -- pg_ctl -D "$data" -l "$workdir/regress/server.log" -w start >/dev/null ||
        return 1
    local status=0
    runuser -u postgres -- make -C "$workdir/tree" -s installcheck TAP_TESTS= PG_CONFIG="$pg_config" \
        ${REGRESS:+REGRESS="$REGRESS"} PGHOST="$workdir/regress" PGPORT=$port || status=1
    if [ $status -ne 0 ] && [ -f "$workdir/tree/regression.diffs" ]; then
        cat "$workdir/tree/regression.diffs"
        # Kept for a look after the run (build*/ is ignored by git).
        mkdir -p "$repo/build/regress" && cp -r "$workdir/tree/results" \
            "$workdir/tree/regression.diffs" "$workdir/regress/server.log" "$repo/build/regress/"
    fi
    runuser -u postgres -- pg_ctl -D "$data" -m fast stop >/dev/null
    return $status
}

# The TAP scripts are independent (each has its own cluster, receiver and
# directories) and spend most of their time waiting for the worker, so they
# run several at a time: the suite's wall time is then bound by its longest
# scripts, not by their sum. BOOKING_EVENTS_TAP_JOBS=1 runs them one by one.
tap_tests() {
    runuser -u postgres -- env PATH="$PATH" make -C "$workdir/tree" -s tapcheck \
        PG_CONFIG="$pg_config" TAP_JOBS="${BOOKING_EVENTS_TAP_JOBS:-$((2 * jobs))}" \
        ${PROVE_TESTS:+PROVE_TESTS="$PROVE_TESTS"}
    local status=$?
    [ $status -ne 0 ] && show_failed_tap_logs "$workdir/tree/tmp_check/log"
    return $status
}

# For each script that failed or died: the end of its own log (where its
# diagnostics and a die message go) and of its servers' logs. All the logs
# are kept in build/tap/ for a look after the run (build*/ is ignored by git).
show_failed_tap_logs() {
    local dir=$1 log script
    mkdir -p "$repo/build/tap" && cp -r "$dir"/. "$repo/build/tap/"
    for log in "$dir"/regress_log_*; do
        [ -f "$log" ] || continue
        # Failed: a "not ok" outside a TODO block, or no plan line at the end
        # of a script that died.
        if ! grep -E '\bnot ok ' "$log" | grep -qv '# TODO' &&
            grep -q -E '\) 1\.\.[0-9]+$' "$log"; then
            continue
        fi
        script=${log##*/regress_log_}
        for shown in "$log" "$dir/$script"_*.log; do
            [ -f "$shown" ] || continue
            echo "----- $shown (last 40 lines)"
            tail -n 40 "$shown"
        done
    done
}

step format "clang-format" format_check
step format "file length (450 lines at most)" file_length_check
start_unit_tests_beside
step always "PGXS build and install" pgxs_build_and_install
step guards "build guards (src/core without PostgreSQL, SQL functions behind the boundary)" \
    make -C "$repo" -s guard-check PG_CONFIG="$pg_config"
step always "test tree for postgres" prepare_test_tree
step regress "pg_regress" regression_tests
step tap "TAP" tap_tests
collect_unit_tests_beside

echo
[ $failed -eq 0 ] || echo "failed suites: ${failures[*]}"
echo "suites: $passed passed, $failed failed ($SECONDS s)"
[ $failed -eq 0 ]
