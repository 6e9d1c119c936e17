#!/usr/bin/env bash
# Endpoint drain rates side by side in one run (issue #11): the same backlog
# of N events drained by one cluster and one nginx, scenario after scenario,
# round after round (so that a busy moment of a shared machine spreads over
# all of them):
#
#   1 endpoint      webhook_url only, no named endpoint (the 1.1.0 setup)
#   1 + 3 idle      webhook_url and 3 named endpoints that want no queued
#                   event type: still one delivery per event; what having
#                   endpoints costs the single-endpoint drain (target: < 10%)
#   4 endpoints     webhook_url and 3 named endpoints wanting every event:
#                   4 deliveries per event
#   batch_max 1     one named endpoint, webhook_url empty
#   batch_max 50    the same endpoint with batch_max 50
#
# Each scenario commits N events through the trigger in one transaction and
# times from that commit until no event is pending (last delivered_at). The
# backlog appears at once, as after an outage. (Queueing behind a pause
# would be the obvious way, but a worker with nowhere to send did not wake
# up when endpoints were resumed or booking_events.paused went off: see
# test/t/059_endpoints_sleeping_worker.pl.) Prints each round, then the
# median per scenario and the ratios.
#
#   bench/endpoints.sh [N] [--bookings K] [--rounds R]
#
#   N            events per scenario (default 20000)
#   --bookings K events spread over K bookings (default N)
#   --rounds R   rounds of all five scenarios (default 3)
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

events=20000
bookings=""
rounds=3
while [ $# -gt 0 ]; do
    case $1 in
        --bookings) bookings=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
        *) events=$1; shift ;;
    esac
done
bookings=${bookings:-$events}
[ "$events" -gt 0 ] && [ "$bookings" -gt 0 ] && [ "$rounds" -gt 0 ] || die "N, K and R must be positive"

require_tools nginx
bench_init
echo "== bench/endpoints.sh $events --bookings $bookings --rounds $rounds"
machine_summary
pg_start
nginx_start
create_app_schema "$bookings"
base_url="http://127.0.0.1:$NGINX_PORT"
# A worker that started before the extension existed, with webhook_url
# empty, stays asleep (test/t/059, case A): a fresh one starts with both.
psql_bench -c "ALTER SYSTEM SET booking_events.webhook_url = '$base_url/hook'" -c "SELECT pg_reload_conf()" \
    -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE backend_type = 'booking_events worker'" \
    >/dev/null
sleep 1
wait_for_worker
poll_start

# An extension before 1.2.0 (a build measured for comparison) has no
# endpoints: only the first scenario runs, on the outbox alone.
legacy=$(psql_bench -c "SELECT to_regclass('webhook_deliveries') IS NULL")
if [ "$legacy" = t ]; then
    deliveries_table=webhook_outbox
    reset_sql="TRUNCATE webhook_outbox, webhook_logs"
else
    deliveries_table=webhook_deliveries
    reset_sql="TRUNCATE webhook_outbox, webhook_deliveries, webhook_logs;
               SELECT count(webhook_endpoint_remove(name)) FROM webhook_endpoints WHERE name <> 'default'"
fi

# $1: webhook_url; $2: SQL creating the named endpoints.
prepare() {
    poll_query "ALTER SYSTEM SET booking_events.webhook_url = '$1'" >/dev/null
    poll_query "SELECT pg_reload_conf()" >/dev/null
    psql_bench -c "$reset_sql" ${2:+-c "$2"} -c "VACUUM ANALYZE $deliveries_table" -c 'CHECKPOINT' >/dev/null
}

# Commits N events in one transaction (like queue_events, one booking per
# event modulo K), then prints "<seconds> <deliveries>": from the commit to
# the last delivered_at.
drain() {
    local committed deadline_us
    committed=$(psql_bench <<SQL | tail -1
BEGIN;
SET LOCAL booking_events.notify = off;
INSERT INTO booking_events (booking_id, event_type, description, user_id)
SELECT bench_uuid(1 + (i - 1) % $bookings), 'booking.updated', 'Benchmark event ' || i,
       bench_uuid(1 + i % 900)
FROM generate_series(1, $events) i;
SELECT extract(epoch FROM clock_timestamp());
COMMIT;
SQL
)
    deadline_us=$((${EPOCHREALTIME/./} + (300 + events / 50) * 1000000))
    while [ "$(poll_query "SELECT count(*) FROM webhook_outbox WHERE status = 'pending'")" != 0 ]; do
        [ "${EPOCHREALTIME/./}" -gt "$deadline_us" ] && die "timed out draining"
        sleep 0.2
    done
    poll_query "
SELECT round((extract(epoch FROM max(d.delivered_at)) - $committed)::numeric, 3) || ' '
       || count(*) FILTER (WHERE d.status = 'delivered')
FROM $deliveries_table d"
}

idle_endpoints="SELECT webhook_endpoint_set('idle' || i, '$base_url/idle' || i, '{never.queued}')
                FROM generate_series(1, 3) i"
busy_endpoints="SELECT webhook_endpoint_set('all' || i, '$base_url/all' || i) FROM generate_series(1, 3) i"
scenarios=("1 endpoint" "1 + 3 idle" "4 endpoints" "batch_max 1" "batch_max 50")
[ "$legacy" = t ] && scenarios=("1 endpoint") && echo "extension before 1.2.0: the single-endpoint drain only"
setup_for() {
    case $1 in
        "1 endpoint") prepare "$base_url/hook" "" ;;
        "1 + 3 idle") prepare "$base_url/hook" "$idle_endpoints" ;;
        "4 endpoints") prepare "$base_url/hook" "$busy_endpoints" ;;
        "batch_max 1") prepare "" "SELECT webhook_endpoint_set('batched', '$base_url/batched', batch_max => 1)" ;;
        "batch_max 50") prepare "" "SELECT webhook_endpoint_set('batched', '$base_url/batched', batch_max => 50)" ;;
    esac
}

results="$BENCH_TMP/results.txt"
: >"$results"
echo
printf '%-6s %-13s %9s %11s %10s %13s\n' round scenario seconds deliveries events/s deliveries/s
for round in $(seq "$rounds"); do
    for scenario in "${scenarios[@]}"; do
        setup_for "$scenario"
        read -r seconds deliveries < <(drain)
        printf '%-6s %-13s %9.2f %11s %10.0f %13.0f\n' "$round" "$scenario" "$seconds" "$deliveries" \
            "$(calc "$events / $seconds")" "$(calc "$deliveries / $seconds")"
        printf '%s\t%s\t%s\n' "$scenario" "$(calc "$events / $seconds")" "$(calc "$deliveries / $seconds")" >>"$results"
    done
done
poll_stop

echo
echo "== summary (bench/endpoints.sh $events --bookings $bookings --rounds $rounds): median of $rounds rounds"
"$PY" - "$results" <<'PYX'
import statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
order, med = [], {}
for name, ev, dl in rows:
    if name not in med:
        order.append(name)
        med[name] = ([], [])
    med[name][0].append(float(ev))
    med[name][1].append(float(dl))
m = {n: (statistics.median(e), statistics.median(d)) for n, (e, d) in med.items()}
for n in order:
    print(f"  {n:<13} {m[n][0]:8.0f} events/s {m[n][1]:8.0f} deliveries/s")
def ratio(a, b, what):
    if a not in m or b not in m:
        return
    i = 0 if what == "events" else 1
    print(f"  {a} / {b}: {m[a][i] / m[b][i]:.3f} ({what}/s)")
print()
ratio("1 + 3 idle", "1 endpoint", "events")
ratio("4 endpoints", "1 endpoint", "events")
ratio("4 endpoints", "1 endpoint", "deliveries")
ratio("batch_max 50", "batch_max 1", "events")
ratio("batch_max 1", "1 endpoint", "events")
PYX
