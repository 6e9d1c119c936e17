#!/usr/bin/env bash
# Drain throughput: queue N events while delivery is paused, then set the
# webhook URL, reload, and time until every event is delivered to a local
# nginx answering 200. Reports events/s, CPU per delivered event (worker,
# recorder when the build has one, other PostgreSQL processes, nginx) and,
# in the same run, the baseline:
# wrk against the same nginx at booking_events.max_concurrency connections.
#
#   bench/drain.sh [N] [--bookings K] [--seconds-baseline S]
#
#   N            events to deliver (default 100000)
#   --bookings K events are spread over K bookings (default N: one booking
#                per event, so per-booking ordering never serializes)
#   BENCH_PERF=1 also profile the worker with perf (needs linux-perf)
#   BENCH_PGSS=1 also report the worker's statements from pg_stat_statements
#   BENCH_EXPLAIN=1 also sample the worker's plans with auto_explain (1%)
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

events=100000
bookings=""
baseline_seconds=5
parse_args "bookings=bookings seconds-baseline=baseline_seconds" events "$@"
bookings=${bookings:-$events}
[ "$events" -gt 0 ] && [ "$bookings" -gt 0 ] || die "N and K must be positive"

require_tools nginx wrk
[ "${BENCH_PERF:-0}" = 1 ] && require_tools perf
bench_init
if [ "${BENCH_EXPLAIN:-0}" = 1 ]; then
    PG_EXTRA_LIBS=",auto_explain"
    PG_EXTRA_CONF="
auto_explain.log_min_duration = 0
auto_explain.sample_rate = 0.01
auto_explain.log_analyze = on
auto_explain.log_buffers = on"
fi
echo "== bench/drain.sh $events --bookings $bookings"
machine_summary
pg_start
nginx_start
concurrency=$(psql_bench -c 'SHOW booking_events.max_concurrency')
batch=$(psql_bench -c 'SHOW booking_events.batch_size')

note "queueing $events events over $bookings bookings (delivery paused)"
create_app_schema "$bookings"
t=$(now_s)
queue_events "$events" "$bookings"
queue_s=$(calc "$(now_s) - $t" %.1f)
psql_bench -c 'VACUUM ANALYZE webhook_outbox' -c 'CHECKPOINT'
psql_bench -c 'SELECT payload::text FROM webhook_outbox ORDER BY id LIMIT 1' >"$BENCH_TMP/body.json"
body_bytes=$(psql_bench -c 'SELECT round(avg(octet_length(payload::text))) FROM webhook_outbox')
echo "queued $events events through the trigger in ${queue_s} s; body ${body_bytes} bytes on average"

echo
echo "-- baseline: wrk -t1 -c$concurrency -d${baseline_seconds}s POST (same body) to the same nginx"
wrk_baseline "$concurrency" "$baseline_seconds" "$BENCH_TMP/body.json"

echo
echo "-- drain: max_concurrency $concurrency, batch_size $batch"
[ "${BENCH_PGSS:-0}" = 1 ] && psql_bench -c 'SELECT pg_stat_statements_reset()' >/dev/null
pm=$(postmaster_pid)
wp=$(worker_pid)
# The recorder (booking_events.recorder): absent in builds before it.
rp=$(recorder_pid)
ng=$(nginx_pid)
poll_start
[ "${BENCH_PERF:-0}" = 1 ] && perf_worker_start "$wp" "$BENCH_TMP/worker.perf"
"$PY" "$CPU_TOOL" snapshot --postmaster "$pm" --worker "$wp" --recorder "$rp" --nginx "$ng" >"$BENCH_TMP/before.json"
wal_before=$(poll_query "SELECT pg_current_wal_insert_lsn()")
poll_query "ALTER SYSTEM SET booking_events.webhook_url = '$(webhook_url)'" >/dev/null
start_epoch=$(poll_query "SELECT extract(epoch FROM clock_timestamp()) FROM pg_reload_conf()")
# The loop forks as little as it can (no bc, no date): its CPU shows up as
# "everything else" in the machine line.
start_us=${EPOCHREALTIME/./}
deadline_us=$((start_us + (300 + events / 100) * 1000000))
last_report_us=$start_us
while :; do
    sleep 0.1
    attempts=$(poll_query "SELECT last_value FROM webhook_logs_id_seq")
    if [ "$attempts" -ge "$events" ]; then
        pending=$(poll_query "SELECT count(*) FROM webhook_outbox WHERE status = 'pending'")
        [ "$pending" -eq 0 ] && break
    fi
    now_us=${EPOCHREALTIME/./}
    [ "$now_us" -gt "$deadline_us" ] &&
        die "timed out: $attempts attempts after $(((now_us - start_us) / 1000000)) s"
    if [ $((now_us - last_report_us)) -ge 5000000 ]; then
        note "$attempts attempts after $(((now_us - start_us) / 1000000)) s"
        last_report_us=$now_us
    fi
done
elapsed=$(calc "(${EPOCHREALTIME/./} - $start_us) / 1000000")
"$PY" "$CPU_TOOL" snapshot --postmaster "$pm" --worker "$wp" --recorder "$rp" --nginx "$ng" >"$BENCH_TMP/after.json"
wal_per_event=$(poll_query "SELECT round(pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '$wal_before') / $events)")
[ "${BENCH_PERF:-0}" = 1 ] && perf_worker_stop
poll_stop

psql_bench -F ' ' -c "
SELECT count(*) FILTER (WHERE status = 'delivered'), count(*) FILTER (WHERE status = 'failed'),
       extract(epoch FROM max(delivered_at)) - $start_epoch,
       count(DISTINCT delivered_at),
       extract(epoch FROM percentile_disc(0.9) WITHIN GROUP (ORDER BY delivered_at)
                        - percentile_disc(0.1) WITHIN GROUP (ORDER BY delivered_at))
FROM webhook_outbox" >"$BENCH_TMP/result.txt"
read -r delivered failed drain_s transactions middle_s <"$BENCH_TMP/result.txt"
psql_bench -F ' ' -c "
SELECT count(*), count(*) FILTER (WHERE status = 'success'),
       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY response_time_ms)::numeric, 2),
       round(percentile_cont(0.99) WITHIN GROUP (ORDER BY response_time_ms)::numeric, 2)
FROM webhook_logs" >"$BENCH_TMP/logs.txt"
read -r logged logged_ok rt50 rt99 <"$BENCH_TMP/logs.txt"

rate=$(calc "$delivered / $drain_s" %.0f)
middle_rate=$(calc "0.8 * $delivered / $middle_s" %.0f)
ratio=$(calc "$rate / $WRK_RPS" %.3f)
printf 'delivered %s, failed %s; webhook_logs rows %s (%s success)\n' \
    "$delivered" "$failed" "$logged" "$logged_ok"
printf 'drain time %.2f s (reload -> last delivered_at; poll saw it after %.2f s)\n' "$drain_s" "$elapsed"
printf 'recording transactions %s (%.1f events each); response time p50 %s ms, p99 %s ms\n' \
    "$transactions" "$(calc "$delivered / $transactions")" "$rt50" "$rt99"
psql_bench -F ' ' -c "SELECT pg_stat_force_next_flush()" >/dev/null
hot=$(psql_bench -F ' ' -c "
SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 'webhook_outbox'")
printf 'WAL written %s bytes per event; pg_stat_user_tables sees %s updates of webhook_outbox (%s HOT)\n' \
    "$wal_per_event" "${hot% *}" "${hot#* }"
"$PY" "$CPU_TOOL" diff "$BENCH_TMP/before.json" "$BENCH_TMP/after.json" --events "$delivered" \
    --label "CPU during the drain"

echo
echo "== summary (bench/drain.sh $events --bookings $bookings)"
printf '  drain rate          %8s events/s  (10%%-90%% of events: %s events/s)\n' "$rate" "$middle_rate"
printf '  wrk baseline        %8.0f requests/s (-t1 -c%s, same nginx, same body)\n' "$WRK_RPS" "$concurrency"
printf '  ratio drain/wrk     %8s\n' "$ratio"
"$PY" - "$BENCH_TMP/before.json" "$BENCH_TMP/after.json" "$delivered" <<'PYX'
import json, sys
b, a = (json.load(open(p)) for p in sys.argv[1:3])
n = int(sys.argv[3])
groups = ("worker", "recorder", "pg_other", "nginx") if "recorder" in b else ("worker", "pg_other", "nginx")
us = {g: (a[g] - b[g]) * 1e6 / n for g in groups}
recorder = f"+ recorder {us['recorder']:.1f} " if "recorder" in us else ""
print(f"  CPU per event       {sum(us.values()):8.1f} us = worker {us['worker']:.1f} "
      f"{recorder}+ other PostgreSQL {us['pg_other']:.1f} + nginx {us['nginx']:.1f}")
PYX
[ "$failed" -eq 0 ] && [ "$logged" -eq "$delivered" ] || echo "  WARNING: not every event was delivered exactly once"

if [ "${BENCH_PGSS:-0}" = 1 ]; then
    echo
    echo "-- pg_stat_statements, by execution + planning time (the worker's statements first)"
    echo "calls | plans | exec ms | plan ms | mean exec ms | rows | us/event | query"
    psql_bench -P footer=off -F ' | ' -c "
SELECT calls, plans, round(total_exec_time::numeric, 0) AS exec_ms,
       round(total_plan_time::numeric, 0) AS plan_ms,
       round(mean_exec_time::numeric, 3) AS mean_exec_ms, rows,
       round(((total_exec_time + total_plan_time) * 1000 / $delivered)::numeric, 1) AS us_per_event,
       left(regexp_replace(query, '\\s+', ' ', 'g'), 70) AS query
FROM pg_stat_statements ORDER BY total_exec_time + total_plan_time DESC LIMIT 6" -A
fi
if [ "${BENCH_EXPLAIN:-0}" = 1 ]; then
    echo
    echo "-- auto_explain samples of the worker's statements"
    "$PY" "$BENCH_ROOT/lib/explain_samples.py" "$BENCH_TMP/server.log" "$wp,$rp"
fi
if [ "${BENCH_PERF:-0}" = 1 ]; then
    echo
    perf_worker_report "$BENCH_TMP/worker.perf"
fi
