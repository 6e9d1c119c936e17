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
#   BENCH_PERF=1 also profile the worker during each measured run
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

rates=()
seconds=20
clients=4
parse_args "seconds=seconds clients=clients" rates "$@"
[ "${#rates[@]}" -gt 0 ] || rates=(100 1000)

require_tools nginx pgbench
[ "${BENCH_PERF:-0}" = 1 ] && require_tools perf
bench_init
echo "== bench/latency.sh ${rates[*]} --seconds $seconds --clients $clients"
machine_summary
pg_start
arrivals="$BENCH_TMP/nginx/arrivals.log"
nginx_start "log_format arrival '\$msec \$http_webhook_id';
    access_log $arrivals arrival buffer=256k flush=1s;"
bookings=10000
create_app_schema "$bookings"
psql_bench -c 'CREATE TABLE bench_arrivals (t double precision, event_id uuid)'
set_webhook_url "$(webhook_url)"

script="$BENCH_TMP/insert_event.sql"
cat >"$script" <<SQL
\set b random(1, $bookings)
\set u random(1, 900)
INSERT INTO booking_events (booking_id, event_type, description, user_id)
VALUES (bench_uuid(:b), 'booking.updated', 'Latency probe', bench_uuid(:u));
SQL
chmod 644 "$script"

wait_drained() {
    for _ in $(seq 600); do
        [ "$(psql_bench -c "SELECT count(*) FROM webhook_outbox WHERE status = 'pending'")" -eq 0 ] && return 0
        sleep 0.1
    done
    die "events still pending after 60 s"
}

flush_arrivals() {
    kill -USR1 "$(nginx_pid)" # reopen the log: workers write out their buffers
    sleep 1
}

summary=()
for rate in "${rates[@]}"; do
    echo
    echo "-- rate $rate events/s: warm-up 3 s, then $seconds s measured"
    pgbench_bench -n -c "$clients" -j 2 -M prepared -R "$rate" -T 3 -f "$script" >/dev/null 2>&1
    wait_drained
    first_id=$(psql_bench -c 'SELECT coalesce(max(id), 0) FROM booking_events')
    pm=$(postmaster_pid)
    wp=$(worker_pid)
    ng=$(nginx_pid)
    [ "${BENCH_PERF:-0}" = 1 ] && perf_worker_start "$wp" "$BENCH_TMP/worker-$rate.perf"
    "$PY" "$CPU_TOOL" snapshot --postmaster "$pm" --worker "$wp" --nginx "$ng" >"$BENCH_TMP/before.json"
    pgbench_measured "$BENCH_TMP/pgbench.out" -n -c "$clients" -j 2 -M prepared -R "$rate" \
        -T "$seconds" -f "$script"
    "$PY" "$CPU_TOOL" snapshot --postmaster "$pm" --worker "$wp" --nginx "$ng" >"$BENCH_TMP/after.json"
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
    printf '  events inserted %s, arrivals matched %s; the worker recorded them in %s transactions\n' \
        "$inserted" "$measured" "$transactions"
    printf '  latency insert -> webhook arrival: p50 %s ms, p95 %s ms, p99 %s ms, max %s ms, mean %s ms\n' \
        "$p50" "$p95" "$p99" "$max" "$avg"
    "$PY" "$CPU_TOOL" diff "$BENCH_TMP/before.json" "$BENCH_TMP/after.json" --events "$inserted" \
        --load-cpu "$BENCH_TMP/pgbench_cpu.json" --label "  CPU during the measured load"
    [ "${BENCH_PERF:-0}" = 1 ] && perf_worker_report "$BENCH_TMP/worker-$rate.perf" | sed 's/^/  /'
    summary+=("$(printf '  %6s events/s  p50 %6s ms  p95 %6s ms  p99 %6s ms  max %7s ms  (%s events)' \
        "$rate" "$p50" "$p95" "$p99" "$max" "$measured")")
done

echo
echo "== summary (bench/latency.sh ${rates[*]} --seconds $seconds --clients $clients)"
printf '%s\n' "${summary[@]}"
