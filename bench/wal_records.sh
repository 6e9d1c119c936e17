#!/usr/bin/env bash
# What an event writes to the WAL, record type by record type (issue #12,
# targets 1 and 5): N events through the real trigger, one INSERT per
# transaction (one pgbench client), with delivery paused; then delivery to
# nginx until none is pending. pg_waldump --stats=record over each range,
# and how the outbox stores the payload (compression, sizes, pages). Exact
# counts, independent of the machine's load: run it against two builds to
# compare them.
#
#   bench/wal_records.sh [N] [--fillfactor F]
#
#   N              events (default 2000)
#   --fillfactor F first sets fillfactor F on webhook_outbox and
#                  webhook_deliveries (an installed-object change: what a
#                  later version could gain when an UPDATE finds room on its
#                  row's own page)
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

events=2000
fillfactor=""
parse_args "fillfactor=fillfactor" events "$@"
[ "$events" -gt 0 ] || die "N must be positive"

require_tools pgbench nginx
bench_init
echo "== bench/wal_records.sh $events${fillfactor:+ --fillfactor $fillfactor}"
machine_summary
pg_start
nginx_start
create_app_schema 10000
insert_script booking_events 10000 "$BENCH_TMP/ours.sql"
if [ -n "$fillfactor" ]; then
    psql_bench -c "ALTER TABLE webhook_outbox SET (fillfactor = $fillfactor)" \
        -c "ALTER TABLE webhook_deliveries SET (fillfactor = $fillfactor)"
fi
psql_bench -c CHECKPOINT
lsn() { psql_bench -c 'SELECT pg_current_wal_insert_lsn()'; }
per_event() { psql_bench -c "SELECT round(pg_wal_lsn_diff('$2', '$1') / $events)"; }
# The record types above 0.5% of the range, and the total.
records() {
    as_pg "$PGBIN/pg_waldump" --stats=record -p "$BENCH_TMP/data/pg_wal" -s "$1" -e "$2" |
        awk 'NR <= 3 || $4 + 0 > 0.5 || /^Total/' | sed 's/^/  /'
}

written=$(lsn)
PGOPTIONS='-c booking_events.notify=off' pgbench_bench -n -M prepared -c 1 -t "$events" \
    -f "$BENCH_TMP/ours.sql" >/dev/null
queued=$(lsn)
pages_queued=$(psql_bench -c "SELECT pg_relation_size('webhook_outbox') / 8192")
set_webhook_url "$(webhook_url)"
wait_drained 300
sleep 1 # the last recording transaction commits
delivered=$(lsn)

echo
echo "-- the outbox's payload"
psql_bench -F ' ' -c "SELECT '  compression ' || coalesce(pg_column_compression(payload), 'none') || ':',
       count(*) || ' events, stored', round(avg(pg_column_size(payload))) || ' B of',
       round(avg(octet_length(payload::text))) || ' B as text; row', round(avg(pg_column_size(o.*))) || ' B'
FROM webhook_outbox o GROUP BY pg_column_compression(payload)"
echo "  webhook_outbox: $pages_queued pages written, $(psql_bench -c "SELECT pg_relation_size('webhook_outbox') / 8192") once delivered"
echo
echo "-- written, delivery paused: $(per_event "$written" "$queued") B per event"
records "$written" "$queued"
echo
echo "-- delivered: $(per_event "$queued" "$delivered") B per event"
records "$queued" "$delivered"
