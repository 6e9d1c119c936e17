#!/usr/bin/env bash
# A large backlog: N events are written straight into webhook_outbox (a real
# trigger-built payload as the template, a fresh event id and booking per
# row) while delivery is paused, then the webhook URL is set and the worker
# drains them to a local nginx. Reports the drain rate per window, the
# worker's RSS and peak RSS (VmHWM), and samples of the worker's own query
# plans (auto_explain, 0.5% of its statements) early and late in the drain.
#
#   bench/backlog.sh [N] [--window S]
#
#   N            events (default 1000000: about 5-6 minutes on 2 cores;
#                bench/backlog.sh 200000 is a quick run of about a minute)
#   --window S   seconds per reported window (default 10)
#   --vacuum-every S  an experiment, not the default: also run VACUUM
#                the claimed table (webhook_deliveries from 1.2.0 on,
#                else webhook_outbox) every S seconds during the drain (what
#                autovacuum would do if it saw the worker's dead rows)
#   --floor K    a baseline, not the worker: delivery stays paused and K
#                sessions settle the same backlog in plain SQL, 32 events per
#                transaction, with the writes of the worker's record statement
#                and nothing else (lib/floor_drain.sql): the decay PostgreSQL
#                itself shows for those writes on this machine
#   --floor-contract K  the same with only the two writes the contract asks
#                of a delivered event: the outbox row and the audit row (no
#                delivery row; pending outbox rows read by primary key)
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

events=1000000
window=10
vacuum_every=0
floor=0
floor_contract=0
parse_args "window=window vacuum-every=vacuum_every floor=floor floor-contract=floor_contract" events "$@"
[ "$events" -gt 0 ] || die "N must be positive"

require_tools nginx
bench_init
args="$events --window $window"
[ "$vacuum_every" -gt 0 ] && args="$args --vacuum-every $vacuum_every"
[ "$floor" -gt 0 ] && args="$args --floor $floor"
[ "$floor_contract" -gt 0 ] && args="$args --floor-contract $floor_contract"
echo "== bench/backlog.sh $args"
machine_summary
PG_EXTRA_LIBS=",auto_explain"
PG_EXTRA_CONF="
auto_explain.log_min_duration = 0
auto_explain.sample_rate = 0.005
auto_explain.log_analyze = on
auto_explain.log_buffers = on
auto_explain.log_nested_statements = on
# A slow spell in a kept run (BENCH_KEEP=1) can be matched against these.
log_autovacuum_min_duration = 0
log_lock_waits = on
log_checkpoints = on"
pg_start
nginx_start
create_app_schema 1000

# The template: a real event written by the trigger.
psql_bench <<'SQL'
SET booking_events.notify = off;
INSERT INTO booking_events (booking_id, event_type, description, user_id)
VALUES (bench_uuid(1), 'booking.updated', 'Backlog event', bench_uuid(2));
CREATE TABLE bench_template AS SELECT payload FROM webhook_outbox;
DELETE FROM webhook_outbox;
SQL
# From 1.2.0 on the worker claims webhook_deliveries: each event gets its
# `default` delivery, as the trigger would route it with no named endpoint.
claimed=webhook_outbox
route=""
if [ "$(psql_bench -c "SELECT to_regclass('webhook_deliveries') IS NOT NULL")" = t ]; then
    claimed=webhook_deliveries
    route="INSERT INTO webhook_deliveries (outbox_id, endpoint, booking_id, next_attempt_at)
SELECT id, 'default', booking_id, next_attempt_at FROM queued"
else
    route="SELECT count(*) FROM queued"
fi
note "writing $events events into webhook_outbox (delivery paused; the worker claims $claimed)"
t=$(now_s)
chunk=100000
from=1
while [ "$from" -le "$events" ]; do
    to=$((from + chunk - 1))
    [ "$to" -gt "$events" ] && to=$events
    psql_bench -c "
WITH queued AS (
INSERT INTO webhook_outbox (event_id, event_type, booking_id, payload)
SELECT g.u, 'booking.updated', g.b::text,
       t.payload || jsonb_build_object('event_id', g.u,
           'booking_event', (t.payload -> 'booking_event') || jsonb_build_object('booking_id', g.b))
FROM bench_template t,
     LATERAL (SELECT gen_random_uuid() AS u, bench_uuid(i) AS b
              FROM generate_series($from, $to) i) g
RETURNING id, booking_id, next_attempt_at)
$route" >/dev/null
    from=$((to + 1))
done
psql_bench -c 'VACUUM ANALYZE webhook_outbox' -c "VACUUM ANALYZE $claimed" -c 'CHECKPOINT'
queue_s=$(calc "$(now_s) - $t" %.0f)
size=$(psql_bench -c "SELECT pg_size_pretty(pg_total_relation_size('webhook_outbox'))")
echo "queued $events events in $(printf '%.0f' "$queue_s") s; webhook_outbox with indexes: $size"

pm=$(postmaster_pid)
wp=$(worker_pid)
ng=$(nginx_pid)
# The recorder (booking_events.recorder): absent in builds before it.
rp=$(recorder_pid)
read -r rss0 hwm0 anon0 shmem0 < <("$PY" "$CPU_TOOL" status "$wp")
echo "worker pid $wp before the drain: RSS $((rss0 / 1024)) MB (private $((anon0 / 1024)) MB, shared memory $((shmem0 / 1024)) MB), peak $((hwm0 / 1024)) MB"
# The worker's private memory, sampled at every poll without forking.
anon_peak=$anon0
sample_anon() {
    local key value rest
    while read -r key value rest; do
        if [ "$key" = RssAnon: ]; then
            [ "$value" -gt "$anon_peak" ] && anon_peak=$value
            return 0
        fi
    done <"/proc/$wp/status"
}
echo "RSS = private (RssAnon) + shared memory pages the worker touched (RssShmem, mostly"
echo "shared_buffers) + mapped files; VmHWM is the peak of RSS, private peak is sampled every 0.5 s"
echo
printf '  %7s %9s %9s %7s %8s %8s %8s %8s %8s %8s %6s\n' \
    't (s)' delivered 'events/s' 'worker' 'recorder' 'RSS MB' 'VmHWM' 'private' 'priv max' 'dead tup' 'autovac'
printf '  %7s %9s %9s %7s %8s %8s %8s %8s %8s %8s %6s\n' '' '' '' 'CPU' 'CPU' '' 'MB' 'MB' 'MB' '' ''
poll_start
"$PY" "$CPU_TOOL" snapshot --postmaster "$pm" --worker "$wp" --recorder "$rp" --nginx "$ng" >"$BENCH_TMP/before.json"
cp "$BENCH_TMP/before.json" "$BENCH_TMP/window.json"
floor_pids=""
if [ "$floor" -gt 0 ] || [ "$floor_contract" -gt 0 ]; then
    [ "$claimed" = webhook_deliveries ] || die "--floor needs webhook_deliveries (1.2.0 or later)"
    psql_bench -v name=bench_floor_drain -v outbox=webhook_outbox -v deliveries=webhook_deliveries \
        -f "$BENCH_ROOT/lib/floor_drain.sql" >/dev/null
    sessions=$floor
    contract_only=false
    if [ "$floor_contract" -gt 0 ]; then
        sessions=$floor_contract
        contract_only=true
    fi
    for ((part = 0; part < sessions; part++)); do
        psql_bench -c "CALL bench_floor_drain($part, $sessions, 32, false, $contract_only)" &
        floor_pids="$floor_pids $!"
    done
else
    poll_query "ALTER SYSTEM SET booking_events.webhook_url = '$(webhook_url)'" >/dev/null
    poll_query "SELECT pg_reload_conf()" >/dev/null
fi
vacuum_pid=""
if [ "$vacuum_every" -gt 0 ]; then
    (
        while sleep "$vacuum_every"; do
            t0=${EPOCHREALTIME/./}
            psql_bench -c "VACUUM $claimed" 2>/dev/null || true
            note "VACUUM $claimed took $(((${EPOCHREALTIME/./} - t0) / 1000)) ms"
        done
    ) &
    vacuum_pid=$!
fi
start_us=${EPOCHREALTIME/./}
last_us=$start_us
last_n=0
rates="$BENCH_TMP/rates.txt"
: >"$rates"
deadline_us=$((start_us + (600 + events / 500) * 1000000))
while :; do
    # Wake often enough to notice the end and sample memory; report every
    # $window seconds. No forks of bc or date in here.
    next_us=$((last_us + window * 1000000))
    done_now=0
    while [ "${EPOCHREALTIME/./}" -lt "$next_us" ]; do
        sleep 0.5
        sample_anon
        n=$(poll_query "SELECT last_value FROM webhook_logs_id_seq")
        if [ "$n" -ge "$events" ] &&
            [ "$(poll_query "SELECT count(*) FROM webhook_outbox WHERE status = 'pending'")" -eq 0 ]; then
            done_now=1
            break
        fi
    done
    now_us=${EPOCHREALTIME/./}
    n=$(poll_query "SELECT last_value FROM webhook_logs_id_seq")
    "$PY" "$CPU_TOOL" snapshot --postmaster "$pm" --worker "$wp" --recorder "$rp" --nginx "$ng" >"$BENCH_TMP/now.json"
    read -r rss hwm anon shmem < <("$PY" "$CPU_TOOL" status "$wp")
    [ "$anon" -gt "$anon_peak" ] && anon_peak=$anon
    stats=$(poll_query "SELECT n_dead_tup || ' ' || autovacuum_count FROM pg_stat_user_tables WHERE relname = '$claimed'")
    read -r cpu rcpu < <("$PY" -c "
import json, sys
b, a = (json.load(open(p)) for p in sys.argv[1:3])
t = a['time'] - b['time']
rec = f\"{100 * (a['recorder'] - b['recorder']) / t:.0f}%\" if 'recorder' in a and 'recorder' in b else '-'
print(f\"{100 * (a['worker'] - b['worker']) / t:.0f}% {rec}\")" \
        "$BENCH_TMP/window.json" "$BENCH_TMP/now.json")
    cp "$BENCH_TMP/now.json" "$BENCH_TMP/window.json"
    rate=$(((n - last_n) * 1000000 / (now_us - last_us)))
    t=$(((now_us - start_us) / 100000))
    printf '  %5s.%s %9s %9s %7s %8s %8s %8s %8s %8s %8s %6s\n' "$((t / 10))" "$((t % 10))" "$n" "$rate" \
        "$cpu" "$rcpu" \
        "$((rss / 1024))" "$((hwm / 1024))" "$((anon / 1024))" "$((anon_peak / 1024))" \
        "${stats% *}" "${stats#* }"
    echo "$(((now_us - start_us) / 1000000)) $rate $((n - last_n))" >>"$rates"
    last_us=$now_us
    last_n=$n
    [ "$done_now" = 1 ] && break
    [ "$now_us" -gt "$deadline_us" ] && die "timed out with $n of $events delivered"
done
"$PY" "$CPU_TOOL" snapshot --postmaster "$pm" --worker "$wp" --recorder "$rp" --nginx "$ng" >"$BENCH_TMP/after.json"
if [ -n "$vacuum_pid" ]; then
    kill "$vacuum_pid" 2>/dev/null
    pkill -P "$vacuum_pid" 2>/dev/null || true # its sleep or psql, by parent pid
    wait "$vacuum_pid" 2>/dev/null || true
fi
poll_stop
for pid in $floor_pids; do wait "$pid"; done

read -r delivered failed drain_s <<<"$(psql_bench -F ' ' -c "
SELECT count(*) FILTER (WHERE status = 'delivered'), count(*) FILTER (WHERE status = 'failed'),
       extract(epoch FROM max(delivered_at) - min(delivered_at)) FROM webhook_outbox")"
read -r rss hwm anon shmem < <("$PY" "$CPU_TOOL" status "$wp")
echo
"$PY" "$CPU_TOOL" diff "$BENCH_TMP/before.json" "$BENCH_TMP/after.json" --events "$delivered" \
    --label "CPU during the drain"

# auto_explain samples of the worker's claim and record statements (and the
# recorder's).
"$PY" "$BENCH_ROOT/lib/explain_samples.py" "$BENCH_TMP/server.log" "$wp,$rp" >"$BENCH_TMP/plans.txt"

echo
echo "== summary (bench/backlog.sh $args)"
printf '  delivered %s, failed %s, in %.0f s: %.0f events/s overall\n' \
    "$delivered" "$failed" "$drain_s" "$(calc "$delivered / $drain_s")"
"$PY" - "$rates" <<'PYX'
import sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
full = [r for r in rows[:-1]] or rows
first, last = full[0][1], full[-1][1]
print(f"  drain rate: first window {first:.0f} events/s, last full window {last:.0f} events/s "
      f"({100 * last / first:.0f}% of the first); min {min(r[1] for r in full):.0f}, "
      f"max {max(r[1] for r in full):.0f}")
PYX
printf '  worker peak RSS (VmHWM) %s MB; at the end RSS %s MB = private %s MB + shared memory %s MB + files\n' \
    "$((hwm / 1024))" "$((rss / 1024))" "$((anon / 1024))" "$((shmem / 1024))"
printf '  worker private memory (RssAnon): %s MB before the drain, peak %s MB (sampled every 0.5 s)\n' \
    "$((anon0 / 1024))" "$((anon_peak / 1024))"
head -2 "$BENCH_TMP/plans.txt" | sed 's/^/  auto_explain /'
echo
sed -n '3,$p' "$BENCH_TMP/plans.txt"
