#!/usr/bin/env bash
# End-to-end latency under a steady insert load: pgbench inserts one
# booking_events row per transaction at a fixed rate (Poisson arrivals,
# pgbench -R) while nginx records when each webhook arrives ($msec and the
# webhook-id header in its access log). Latency of an event = arrival time -
# the row's inserted_at (clock_timestamp() at INSERT, just before the
# autocommit COMMIT, so the figure includes the commit itself).
#
#   bench/latency.sh [RATE ...] [--seconds S] [--clients C]
#
#   RATE         events/s; several rates run one after the other on the same
#                cluster (default: 100 1000)
#   --seconds S  measured duration per rate (default 20), after a 3 s warm-up
#   --clients C  pgbench clients (default 4, 2 threads)
#   --baseline B what the load costs without delivery, measured at the same
#                rate right before each delivering run: plain (the same
#                INSERTs into a copy of the table without the trigger),
#                paused (the trigger queues, booking_events.paused = on),
#                both (default) or none; the summary subtracts it, giving
#                the CPU per event that delivery adds
#   BENCH_PERF=1 also profile the worker during each measured run
#   BENCH_PGSS=1 also count the statements of each measured run
#                (pg_stat_statements: calls per event, rows per call)
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

rates=()
seconds=20
clients=4
baseline=both
parse_args "seconds=seconds clients=clients baseline=baseline" rates "$@"
[ "${#rates[@]}" -gt 0 ] || rates=(100 1000)
case $baseline in
plain) baselines=(plain) ;;
paused) baselines=(paused) ;;
both) baselines=(plain paused) ;;
none) baselines=() ;;
*) die "--baseline is plain, paused, both or none" ;;
esac

require_tools nginx pgbench
[ "${BENCH_PERF:-0}" = 1 ] && require_tools perf
bench_init
echo "== bench/latency.sh ${rates[*]} --seconds $seconds --clients $clients --baseline $baseline"
machine_summary
pg_start
arrivals="$BENCH_TMP/nginx/arrivals.log"
nginx_start "log_format arrival '\$msec \$http_webhook_id';
    access_log $arrivals arrival buffer=256k flush=1s;"
bookings=10000
create_app_schema "$bookings"
psql_bench -c 'CREATE TABLE bench_arrivals (t double precision, event_id uuid)'
# The plain baseline's table: the same columns, defaults and indexes, no trigger.
psql_bench -c 'CREATE TABLE booking_events_plain (LIKE booking_events INCLUDING ALL)'
set_webhook_url "$(webhook_url)"

script="$BENCH_TMP/insert_event.sql"
cat >"$script" <<SQL
\set b random(1, $bookings)
\set u random(1, 900)
INSERT INTO booking_events (booking_id, event_type, description, user_id)
VALUES (bench_uuid(:b), 'booking.updated', 'Latency probe', bench_uuid(:u));
SQL
chmod 644 "$script"
plain_script="$BENCH_TMP/insert_plain.sql"
sed 's/INSERT INTO booking_events /INSERT INTO booking_events_plain /' "$script" >"$plain_script"
chmod 644 "$plain_script"

flush_arrivals() {
    kill -USR1 "$(nginx_pid)" # reopen the log: workers write out their buffers
    sleep 1
}

set_paused() {
    psql_bench -c "ALTER SYSTEM SET booking_events.paused = $1" -c 'SELECT pg_reload_conf()' >/dev/null
}

# CPU of the three process groups during one measured pgbench run of
# script $2 at rate $1; the figures go to $3 (JSON, with the events
# pgbench inserted), the report to stdout with label $4.
measure_load() {
    local rate=$1 load_script=$2 out=$3 label=$4
    "$PY" "$CPU_TOOL" snapshot --postmaster "$pm" --worker "$wp" --nginx "$ng" >"$BENCH_TMP/before.json"
    pgbench_measured "$BENCH_TMP/pgbench.out" -n -c "$clients" -j 2 -M prepared -R "$rate" \
        -T "$seconds" -f "$load_script"
    "$PY" "$CPU_TOOL" snapshot --postmaster "$pm" --worker "$wp" --nginx "$ng" >"$BENCH_TMP/after.json"
    local events
    events=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$BENCH_TMP/pgbench.out")
    "$PY" "$CPU_TOOL" diff "$BENCH_TMP/before.json" "$BENCH_TMP/after.json" --events "${events:-0}" \
        --load-cpu "$BENCH_TMP/pgbench_cpu.json" --label "$label" --json "$out"
}

# The baselines at this rate: the load without delivery.
measure_baselines() {
    local rate=$1 kind
    for kind in "${baselines[@]}"; do
        echo "  baseline $kind: $seconds s at $rate inserts/s"
        if [ "$kind" = plain ]; then
            measure_load "$rate" "$plain_script" "$BENCH_TMP/baseline-$kind.json" \
                "  CPU of the load alone (no trigger)" | sed 's/^/  /'
        else
            set_paused on
            measure_load "$rate" "$script" "$BENCH_TMP/baseline-$kind.json" \
                "  CPU of the load, events queued, delivery paused" | sed 's/^/  /'
            set_paused off
            wait_drained
        fi
    done
}

# One line per baseline: what delivery adds per event over it.
print_added_cost() {
    local kind
    for kind in "${baselines[@]}"; do
        "$PY" - "$BENCH_TMP/delivering.json" "$BENCH_TMP/baseline-$kind.json" "$kind" <<'PYX'
import json, sys
run, base = (json.load(open(p)) for p in sys.argv[1:3])
what = {"plain": "the trigger, the outbox and delivery", "paused": "delivery"}[sys.argv[3]]
per = lambda d, g: d[g] * 1e6 / d["events"] if d["events"] else float("nan")
added = {g: per(run, g) - per(base, g) for g in ("worker", "pg_other", "nginx", "total")}
print(f"  CPU per event added by {what} (minus the {sys.argv[3]} baseline, "
      f"{per(base, 'total'):.1f} us/event): {added['total']:.1f} us = worker {added['worker']:.1f} "
      f"+ other PostgreSQL {added['pg_other']:.1f} + nginx {added['nginx']:.1f}")
PYX
    done
}

summary=()
for rate in "${rates[@]}"; do
    echo
    echo "-- rate $rate events/s: warm-up 3 s, then $seconds s measured"
    pgbench_bench -n -c "$clients" -j 2 -M prepared -R "$rate" -T 3 -f "$script" >/dev/null 2>&1
    wait_drained
    pm=$(postmaster_pid)
    wp=$(worker_pid)
    ng=$(nginx_pid)
    measure_baselines "$rate"
    first_id=$(psql_bench -c 'SELECT coalesce(max(id), 0) FROM booking_events')
    recorder_before=$(psql_bench -c "SELECT coalesce(webhook_health()->>'recorder_attempts', '0')")
    [ "${BENCH_PGSS:-0}" = 1 ] && psql_bench -c 'SELECT pg_stat_statements_reset()' >/dev/null
    [ "${BENCH_PERF:-0}" = 1 ] && perf_worker_start "$wp" "$BENCH_TMP/worker-$rate.perf"
    measure_load "$rate" "$script" "$BENCH_TMP/delivering.json" "  CPU during the measured load" \
        >"$BENCH_TMP/delivering.txt"
    [ "${BENCH_PERF:-0}" = 1 ] && perf_worker_stop
    grep -E 'transactions actually processed|latency average|latency stddev|rate limit schedule lag|^tps' \
        "$BENCH_TMP/pgbench.out" | sed 's/^/  pgbench: /'
    wait_drained
    flush_arrivals
    psql_bench -c 'TRUNCATE bench_arrivals' \
        -c "\\copy bench_arrivals FROM '$arrivals' WITH (DELIMITER ' ')"
    psql_bench -F ' ' -c "
WITH arrival AS (SELECT event_id, min(t) AS t FROM bench_arrivals GROUP BY event_id),
sample AS (
    SELECT (a.t - extract(epoch FROM e.inserted_at)) * 1000 AS ms, o.delivered_at
    FROM booking_events e
    JOIN webhook_outbox o ON (o.payload -> 'booking_event' ->> 'id')::bigint = e.id
    LEFT JOIN arrival a ON a.event_id = o.event_id
    WHERE e.id > $first_id)
SELECT count(*), count(ms),
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY ms)::numeric, 1),
       round(percentile_cont(0.95) WITHIN GROUP (ORDER BY ms)::numeric, 1),
       round(percentile_cont(0.99) WITHIN GROUP (ORDER BY ms)::numeric, 1),
       round(max(ms)::numeric, 1), round(avg(ms)::numeric, 1), count(DISTINCT delivered_at)
FROM sample" >"$BENCH_TMP/latency.txt"
    read -r inserted measured p50 p95 p99 max avg transactions <"$BENCH_TMP/latency.txt"
    printf '  events inserted %s, arrivals matched %s; the worker recorded them in %s transactions (%s events each)\n' \
        "$inserted" "$measured" "$transactions" "$(calc "$inserted / $transactions" %.2f)"
    recorder_after=$(psql_bench -c "SELECT coalesce(webhook_health()->>'recorder_attempts', '0')")
    printf '  of them the recorder recorded %s (during a backlog; the worker the rest)\n' \
        "$((recorder_after - recorder_before))"
    printf '  latency insert -> webhook arrival: p50 %s ms, p95 %s ms, p99 %s ms, max %s ms, mean %s ms\n' \
        "$p50" "$p95" "$p99" "$max" "$avg"
    cat "$BENCH_TMP/delivering.txt"
    print_added_cost | tee "$BENCH_TMP/added.txt"
    [ "${BENCH_PERF:-0}" = 1 ] && perf_worker_report "$BENCH_TMP/worker-$rate.perf" | sed 's/^/  /'
    if [ "${BENCH_PGSS:-0}" = 1 ]; then
        echo "  -- pg_stat_statements of the measured run, by execution time ($inserted events)"
        echo "  calls/event | rows/call | mean exec us | exec us/event | query"
        psql_bench -P footer=off -F ' | ' -c "
SELECT round(calls::numeric / $inserted, 3), round(rows::numeric / greatest(calls, 1), 2),
       round(mean_exec_time::numeric * 1000, 1), round((total_exec_time * 1000 / $inserted)::numeric, 1),
       left(regexp_replace(query, '\\s+', ' ', 'g'), 60)
FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'
ORDER BY total_exec_time DESC LIMIT 10" -A | sed 's/^/  /'
    fi
    summary+=("$(printf '  %6s events/s  p50 %6s ms  p95 %6s ms  p99 %6s ms  max %7s ms  (%s events)' \
        "$rate" "$p50" "$p95" "$p99" "$max" "$measured")")
    while read -r line; do summary+=("    ${line#  }"); done <"$BENCH_TMP/added.txt"
done

echo
echo "== summary (bench/latency.sh ${rates[*]} --seconds $seconds --clients $clients --baseline $baseline)"
printf '%s\n' "${summary[@]}"
