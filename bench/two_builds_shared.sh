#!/usr/bin/env bash
# Two builds of booking_events.so side by side on events with two deliveries
# each (webhook_url and one named endpoint wanting every event): the path
# where the worker settles an event by the general rule, not by copying its
# only delivery (settle8: the outbox rows are locked by a statement of their
# own first). One cluster, one nginx; the two files are swapped into the
# installation's lib directory (the server restarted) round after round,
# A B A B, so that a busy moment of a shared machine spreads over both. Each
# drain commits N events in one transaction and times from that commit to
# the last delivered_at. Prints per drain: seconds, events/s, WAL bytes per
# event (pg_current_wal_insert_lsn, from the commit to the end of the drain),
# the load average, and the calls of the worker's record, lock and settle
# statements (pg_stat_statements, track = all: always preloaded here); then
# the medians and the ratio B / A. The installation is left with B.
#
#   bench/two_builds_shared.sh A.so B.so [N] [--rounds R]
#
#   A.so, B.so   the two builds (for instance main's and a branch's)
#   N            events per drain (default 20000; one booking each)
#   --rounds R   rounds of A then B (default 3)
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

args=()
rounds=3
parse_args "rounds=rounds" args "$@"
[ ${#args[@]} -ge 2 ] || die "two builds needed (see $0 --help)"
builds=("${args[0]}" "${args[1]}")
events=${args[2]:-20000}
for so in "${builds[@]}"; do [ -f "$so" ] || die "$so: no such file"; done
if [ "$events" -le 0 ] || [ "$rounds" -le 0 ]; then die "N and R must be positive"; fi

require_tools nginx
BENCH_PGSS=1
bench_init
echo "== bench/two_builds_shared.sh ${builds[*]} $events --rounds $rounds"
machine_summary
libdir=$("$PG_CONFIG" --pkglibdir)
cp "${builds[1]}" "$libdir/booking_events.so"
pg_start
nginx_start
create_app_schema "$events"
base_url="http://127.0.0.1:$NGINX_PORT"
psql_bench -c "ALTER SYSTEM SET booking_events.webhook_url = '$base_url/hook'" \
    -c "SELECT pg_reload_conf()" -c "SELECT webhook_endpoint_set('all1', '$base_url/all1')" >/dev/null

# Prints "<seconds> <WAL bytes> <record calls> <lock calls> <settle calls>".
drain() {
    local committed lsn
    read -r committed lsn < <(psql_bench -F ' ' <<SQL | tail -1
BEGIN;
SET LOCAL booking_events.notify = off;
INSERT INTO booking_events (booking_id, event_type, description, user_id)
SELECT bench_uuid(i), 'booking.updated', 'Benchmark event ' || i, bench_uuid(1 + i % 900)
FROM generate_series(1, $events) i;
COMMIT;
SELECT extract(epoch FROM clock_timestamp()), pg_current_wal_insert_lsn();
SQL
    )
    wait_drained 3600
    psql_bench -F ' ' -c "
SELECT round((extract(epoch FROM max(delivered_at)) - $committed)::numeric, 3),
       pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '$lsn'),
       (SELECT coalesce(sum(calls) FILTER (WHERE query LIKE 'WITH r AS%'), 0) || ' '
               || coalesce(sum(calls) FILTER (WHERE query LIKE '%FOR NO KEY UPDATE%'), 0) || ' '
               || coalesce(sum(calls) FILTER (WHERE query LIKE 'WITH changed AS%'), 0)
        FROM pg_stat_statements)
FROM webhook_deliveries"
}

results="$BENCH_TMP/results.txt"
: >"$results"
printf '%-5s %-5s %8s %9s %11s %7s %7s %7s  %s\n' round build seconds events/s WAL/event record lock settle \
    "load average"
for round in $(seq "$rounds"); do
    for b in 0 1; do
        as_pg "$PGBIN/pg_ctl" -D "$BENCH_TMP/data" -m fast -w stop >/dev/null
        cp "${builds[$b]}" "$libdir/booking_events.so"
        as_pg "$PGBIN/pg_ctl" -D "$BENCH_TMP/data" -l "$BENCH_TMP/server.log" -w start >/dev/null
        wait_for_worker >/dev/null
        # The worker's first transactions (retention, the removed-endpoint
        # sweep) may take the tables' locks in another order: a deadlock
        # ends one of the two, then the TRUNCATE is tried again.
        for try in 1 2 3 4 5; do
            psql_bench -c "TRUNCATE webhook_outbox, webhook_deliveries, webhook_logs" 2>/dev/null && break
            [ "$try" = 5 ] && die "TRUNCATE failed five times"
            sleep 1
        done
        psql_bench -c "VACUUM ANALYZE webhook_deliveries" -c CHECKPOINT >/dev/null
        psql_bench -c "SELECT pg_stat_statements_reset()" >/dev/null
        read -r seconds wal record lock settle < <(drain)
        [ "$(psql_bench -c "SELECT count(*) FROM webhook_outbox WHERE status <> 'delivered'")" = 0 ] ||
            echo "WARNING: not every event delivered"
        name=$([ "$b" = 0 ] && echo A || echo B)
        printf '%-5s %-5s %8s %9.0f %11.0f %7s %7s %7s  %s\n' "$round" "$name" "$seconds" \
            "$(calc "$events / $seconds")" "$(calc "$wal / $events")" "$record" "$lock" "$settle" \
            "$(cut -d ' ' -f 1-3 /proc/loadavg)"
        printf '%s\t%s\t%s\n' "$name" "$(calc "$events / $seconds")" "$(calc "$wal / $events")" >>"$results"
    done
done

echo
echo "== medians of $rounds rounds (A = ${builds[0]}, B = ${builds[1]})"
"$PY" - "$results" <<'PYX'
import statistics, sys
rows = [line.rstrip("\n").split("\t") for line in open(sys.argv[1])]
m = {b: (statistics.median(float(r[1]) for r in rows if r[0] == b),
         statistics.median(float(r[2]) for r in rows if r[0] == b)) for b in ("A", "B")}
for b in ("A", "B"):
    print(f"  {b}: {m[b][0]:8.0f} events/s {m[b][1]:8.0f} WAL bytes/event")
print(f"  B / A: {m['B'][0] / m['A'][0]:.3f} (events/s), {m['B'][1] / m['A'][1]:.3f} (WAL bytes/event)")
PYX
