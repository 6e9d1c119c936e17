#!/usr/bin/env bash
# The floor of issue #12's target 4: the CPU per event of the least work the
# contract asks for each delivered event, done by a plain client
# (lib/floor_client.c, built here against libpq and libcurl) on the same
# cluster, tables and nginx as bench/latency.sh: per batch of B events one
# claim statement (the payload as text), B POSTs over one kept-alive libcurl
# connection, one statement that settles the deliveries, copies them into
# their outbox rows and writes B webhook_logs rows, and its commit. No
# per-booking order check, retries, signature or wake-ups. Whatever a
# deliverer does, it cannot cost less than this on this machine.
#
#   bench/delivery_floor.sh [B ...] [--events N]
#
#   B            events per batch; each is measured on its own N events
#                (default 7 25 50: what the worker's transactions carry at
#                1,000 events/s with an 8 ms window, and two longer ones)
#   --events N   events per batch size (default 20000), queued beforehand
#                by the trigger with delivery paused
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

sizes=()
events=20000
parse_args "events=events" sizes "$@"
[ "${#sizes[@]}" -gt 0 ] || sizes=(7 25 50)

require_tools nginx gcc
bench_init
echo "== bench/delivery_floor.sh ${sizes[*]} --events $events"
machine_summary
client="$BENCH_TMP/floor_client"
gcc -O2 -Wall -Werror -o "$client" "$BENCH_ROOT/lib/floor_client.c" \
    -I"$("$PGBIN"/pg_config --includedir)" -lpq -lcurl || die "cannot build lib/floor_client.c"
pg_start
nginx_start
create_app_schema 10000
set_webhook_url "$(webhook_url)"
psql_bench -c 'ALTER SYSTEM SET booking_events.paused = on' -c 'SELECT pg_reload_conf()' >/dev/null
pm=$(postmaster_pid)
wp=$(worker_pid)
ng=$(nginx_pid)

for size in "${sizes[@]}"; do
    echo
    echo "-- batches of $size: $events events queued, then delivered by the floor client"
    psql_bench -c "
INSERT INTO booking_events (booking_id, event_type, description, user_id)
SELECT bench_uuid(1 + (g % 10000)), 'booking.updated', 'Floor probe', bench_uuid(1 + (g % 900))
FROM generate_series(1, $events) g" -c 'CHECKPOINT'
    "$PY" "$CPU_TOOL" snapshot --postmaster "$pm" --worker "$wp" --nginx "$ng" >"$BENCH_TMP/before.json"
    "$PY" "$CPU_TOOL" run --out "$BENCH_TMP/client_cpu.json" -- "$client" \
        "host=$BENCH_TMP port=$PGPORT dbname=bench user=postgres" "$(webhook_url)" "$size" "$events" \
        >"$BENCH_TMP/client.out"
    "$PY" "$CPU_TOOL" snapshot --postmaster "$pm" --worker "$wp" --nginx "$ng" >"$BENCH_TMP/after.json"
    read -r delivered batches _ client_s <"$BENCH_TMP/client.out"
    echo "  delivered $delivered events in $batches batches; the client's own CPU $client_s s"
    "$PY" "$CPU_TOOL" diff "$BENCH_TMP/before.json" "$BENCH_TMP/after.json" --events "$delivered" \
        --load-cpu "$BENCH_TMP/client_cpu.json" --label "  CPU of the floor (the load generator line is the client)" |
        sed 's/^/  /'
    left=$(psql_bench -c "SELECT count(*) FROM webhook_deliveries WHERE status = 'pending'")
    [ "$left" -eq 0 ] || echo "  WARNING: $left deliveries still pending"
done
