#!/usr/bin/env bash
# What each index of webhook_outbox and webhook_deliveries costs the
# application's INSERT (issue #12, targets 1 and 5): the real trigger
# (delivery paused) into the installed schema, with some indexes dropped by
# hand between runs (the tables are empty then, so dropping and re-creating
# is instant), in a rotated order so that every variant meets the same
# machine:
#   base         the schema as installed
#   no_origin    without webhook_outbox_pending_origin_idx
#   no_recent    without webhook_deliveries_recent_idx
#   no_eventid   without the UNIQUE constraint on webhook_outbox.event_id
#   pk_only      only the two primary keys on the write path (the partial
#                failed/delivered indexes, which an INSERT never enters, stay)
#   ffNN         the schema as installed, webhook_outbox at fillfactor NN
#                (e.g. ff85, ff70, ff50)
#   none         no trigger at all (a copy of booking_events)
# Each run prints TPS, WAL bytes and the cluster's CPU (postmaster, its live
# and its reaped children) per transaction. Every library statement uses the
# indexes above (pg_stat_user_indexes.idx_scan after a drain), except the
# event_id constraint, which only enforces the contract's uniqueness: the
# variants tell what removing one would gain, not that it may go.
#
#   bench/write_path_indexes.sh [--seconds S] [--rounds R] [--per-row N]
#       [--variants LIST]
#
#   --seconds S   per pgbench run (default 12; 4 clients, 2 threads, -M prepared)
#   --rounds R    (default 4) every round runs every variant, rotated
#   --per-row N   afterwards, R statements of N rows each per variant in one
#                 backend (one INSERT ... SELECT, one commit): the minimum
#                 and median microseconds per row, the figure least disturbed
#                 by other work on the machine (0: not run; default 5000)
#   --variants L  comma-separated (default base,no_origin,no_recent,pk_only,none)
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

seconds=12
rounds=4
per_row=5000
variant_list=base,no_origin,no_recent,pk_only,none
parse_args "seconds=seconds rounds=rounds per-row=per_row variants=variant_list" "" "$@"
IFS=, read -r -a variants <<<"$variant_list"

require_tools pgbench
bench_init
echo "== bench/write_path_indexes.sh --seconds $seconds --rounds $rounds --per-row $per_row --variants $variant_list"
machine_summary
pg_start
bookings=10000
create_app_schema "$bookings"
psql_bench <<'SQL'
CREATE TABLE booking_events_plain (LIKE booking_events INCLUDING ALL);
ALTER TABLE booking_events SET (autovacuum_enabled = off);
ALTER TABLE booking_events_plain SET (autovacuum_enabled = off);
-- The installed indexes, to put back whatever a variant dropped.
CREATE TABLE bench_index_definitions AS
SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition,
       c.conname AS constraint_name, i.indrelid::regclass::text AS table_name
FROM pg_index i LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.contype = 'u'
WHERE i.indrelid IN ('webhook_outbox'::regclass, 'webhook_deliveries'::regclass);
SQL
psql_bench -c "SELECT name FROM bench_index_definitions ORDER BY 1" | sed 's/^/index: /'
insert_script booking_events "$bookings" "$BENCH_TMP/ours.sql"
insert_script booking_events_plain "$bookings" "$BENCH_TMP/none.sql"

restore_indexes() {
    psql_bench <<'SQL'
DO $$
DECLARE
    missing record;
BEGIN
    FOR missing IN SELECT * FROM bench_index_definitions WHERE to_regclass(name) IS NULL LOOP
        IF missing.constraint_name IS NOT NULL THEN
            EXECUTE format('ALTER TABLE %s ADD CONSTRAINT %I UNIQUE (event_id)',
                           missing.table_name, missing.constraint_name);
        ELSE
            EXECUTE missing.definition;
        END IF;
    END LOOP;
END $$;
SQL
}

apply_variant() {
    restore_indexes
    local changes=('ALTER TABLE webhook_outbox RESET (fillfactor)')
    case $1 in
        base | none) ;;
        ff[1-9][0-9] | ff100) changes+=("ALTER TABLE webhook_outbox SET (fillfactor = ${1#ff})") ;;
        no_origin) changes+=('DROP INDEX webhook_outbox_pending_origin_idx') ;;
        no_recent) changes+=('DROP INDEX webhook_deliveries_recent_idx') ;;
        no_eventid) changes+=('ALTER TABLE webhook_outbox DROP CONSTRAINT webhook_outbox_event_id_key') ;;
        pk_only)
            changes+=('DROP INDEX webhook_outbox_pending_origin_idx'
                'ALTER TABLE webhook_outbox DROP CONSTRAINT webhook_outbox_event_id_key'
                'DROP INDEX webhook_deliveries_recent_idx'
                'DROP INDEX webhook_deliveries_pending_idx'
                'DROP INDEX webhook_deliveries_booking_pending_idx')
            ;;
        *) die "unknown variant $1 (see --help)" ;;
    esac
    local change
    for change in "${changes[@]}"; do psql_bench -c "$change"; done
}

# CPU ticks of the whole cluster: the postmaster, its live children and
# those it has reaped (the pgbench sessions' backends end with the run).
cluster_ticks() {
    local postmaster child
    postmaster=$(postmaster_pid)
    {
        awk '{print $14 + $15 + $16 + $17}' "/proc/$postmaster/stat"
        tr ' ' '\n' <"/proc/$postmaster/task/$postmaster/children" | while read -r child; do
            if [ -n "$child" ]; then awk '{print $14 + $15}' "/proc/$child/stat" 2>/dev/null || true; fi
        done
    } | awk '{sum += $1} END {print sum}'
}

echo
echo "-- write path: pgbench -n -M prepared -c 4 -j 2 -T $seconds, one INSERT per transaction"
printf '  %-6s %-11s %8s %9s %10s %s\n' round variant TPS 'WAL B/tx' 'CPU us/tx' load
order=("${variants[@]}")
for round in $(seq "$rounds"); do
    for variant in "${order[@]}"; do
        apply_variant "$variant"
        script=ours.sql
        [ "$variant" = none ] && script=none.sql
        psql_bench -c 'TRUNCATE webhook_outbox, webhook_deliveries, booking_events, booking_events_plain' \
            -c CHECKPOINT
        wal_before=$(psql_bench -c 'SELECT pg_current_wal_insert_lsn()')
        ticks_before=$(cluster_ticks)
        pgbench_measured "$BENCH_TMP/pgbench.out" -n -M prepared -c 4 -j 2 -T "$seconds" \
            -f "$BENCH_TMP/$script" || { cat "$BENCH_TMP/pgbench.out"; die "pgbench failed"; }
        sleep 0.5 # the sessions' backends are reaped (their CPU counted)
        ticks_after=$(cluster_ticks)
        tps=$(awk '/^tps/ {print $3; exit}' "$BENCH_TMP/pgbench.out")
        txs=$(awk '/actually processed/ {print $NF}' "$BENCH_TMP/pgbench.out")
        wal=$(psql_bench -c "SELECT round(pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '$wal_before') / $txs)")
        cpu=$(calc "($ticks_after - $ticks_before) * 1000000 / $(getconf CLK_TCK) / $txs" %.0f)
        printf '  %-6s %-11s %8.0f %9s %10s %s\n' "$round" "$variant" "$tps" "$wal" "$cpu" \
            "$(cut -d' ' -f1 /proc/loadavg)"
    done
    order=("${order[@]:1}" "${order[0]}")
done

[ "$per_row" -gt 0 ] || exit 0
psql_bench <<'SQL'
CREATE FUNCTION bench_insert_ms(n int) RETURNS float8 LANGUAGE plpgsql AS $f$
DECLARE
    started timestamptz := clock_timestamp();
BEGIN
    SET LOCAL booking_events.notify = off;
    INSERT INTO booking_events (booking_id, event_type, description, user_id)
    SELECT bench_uuid(1 + i % 10000), 'booking.updated', 'Booking updated by the benchmark',
           bench_uuid(1 + i % 900)
    FROM generate_series(1, n) i;
    RETURN extract(epoch FROM clock_timestamp() - started) * 1000;
END $f$;
SQL
echo
echo "-- per row: one INSERT ... SELECT of $per_row rows through the trigger, $rounds times per variant"
declare -A times=()
order=("${variants[@]}")
for round in $(seq "$rounds"); do
    for variant in "${order[@]}"; do
        [ "$variant" = none ] && continue
        apply_variant "$variant"
        psql_bench -c 'TRUNCATE webhook_outbox, webhook_deliveries, booking_events' -c CHECKPOINT
        times[$variant]="${times[$variant]:-} $(psql_bench -c "SELECT bench_insert_ms($per_row)")"
    done
    order=("${order[@]:1}" "${order[0]}")
done
printf '  %-11s %12s %12s   %s\n' variant 'min us/row' 'median' 'all (ms)'
for variant in "${variants[@]}"; do
    [ -n "${times[$variant]:-}" ] || continue
    # shellcheck disable=SC2086 # one word per statement's time
    printf '%s\n' ${times[$variant]} | sort -n | awk -v variant="$variant" -v rows="$per_row" '
        { t[NR] = $1; all = all sprintf(" %.0f", $1) }
        END { printf "  %-11s %12.1f %12.1f  %s\n", variant, t[1] * 1000 / rows,
                     t[int((NR + 1) / 2)] * 1000 / rows, all }'
done
