#!/usr/bin/env bash
# What the trigger costs the application's INSERT: pgbench inserting
# booking_events rows (one per transaction) into three identical tables of
# the same cluster, interleaved:
#   none     no trigger
#   ours     trigger_booking_event_webhook() (C++), as the README installs it
#   plpgsql  an equivalent PL/pgSQL trigger doing the same work: the same
#            payload built with jsonb_build_object (row, booking, client and
#            provider looked up), an INSERT into a copy of webhook_outbox (same
#            columns, constraints and indexes), pg_notify on the same channels
# Delivery is paused (webhook_url empty) so the worker does not compete for
# the CPU; it still wakes on each commit burst of `ours`, which is counted.
#
#   bench/trigger_overhead.sh [--seconds S] [--rounds R] [--clients C] [--per-row N]
#
#   --seconds S  per run (default 15); --rounds R (default 3): every round
#                runs the three configurations, in a rotated order
#   --clients C  pgbench clients (default 4, 2 threads, -M prepared)
#   --per-row N  afterwards, the trigger's cost per row in one backend: one
#                INSERT ... SELECT of N rows per table (one statement, one
#                commit: no WAL flush, no worker wake-up per row), three
#                times, in microseconds per row (0, the default: not run)
#   BENCH_PERF=1 afterwards, profile the server's processes (perf) during an
#                extra, unmeasured run of `ours` and of `plpgsql`; during
#                `ours`, the delivery worker too (what its wake-ups cost)
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

seconds=15
rounds=3
clients=4
per_row=0
parse_args "seconds=seconds rounds=rounds clients=clients per-row=per_row" "" "$@"

require_tools pgbench
[ "${BENCH_PERF:-0}" = 1 ] && require_tools perf
bench_init
echo "== bench/trigger_overhead.sh --seconds $seconds --rounds $rounds --clients $clients"
machine_summary
pg_start
bookings=10000
create_app_schema "$bookings"

psql_bench <<'SQL'
CREATE TABLE booking_events_plain (LIKE booking_events INCLUDING ALL);
CREATE TABLE booking_events_plpgsql (LIKE booking_events INCLUDING ALL);
CREATE TABLE bench_outbox_plpgsql (LIKE webhook_outbox INCLUDING ALL);

-- The same event as trigger_booking_event_webhook() writes for an INSERT
-- into a booking_events-like table, built in PL/pgSQL.
CREATE FUNCTION bench_plpgsql_booking_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_event_id uuid := gen_random_uuid();
    v_now text := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
    v_type text := coalesce(NEW.event_type, 'booking_event.created');
    v_booking jsonb;
    v_client jsonb;
    v_provider jsonb;
    v_body jsonb;
    v_id bigint;
    v_note text;
BEGIN
    IF NEW.booking_id IS NOT NULL THEN
        SELECT to_jsonb(b) INTO v_booking FROM bookings b WHERE b.id = NEW.booking_id;
    END IF;
    IF v_booking IS NOT NULL THEN
        SELECT jsonb_build_object('id', p.id, 'name', p.full_name, 'email', p.email)
          INTO v_client FROM profiles p WHERE p.id = (v_booking ->> 'client_id')::uuid;
        SELECT jsonb_build_object('id', p.id, 'name', p.full_name, 'email', p.email,
                                  'company_name', p.company_name)
          INTO v_provider FROM profiles p WHERE p.id = (v_booking ->> 'provider_id')::uuid;
    END IF;
    v_body := jsonb_build_object(
        'event_id', v_event_id,
        'event_type', v_type,
        'event_time', v_now,
        'source', current_setting('booking_events.source'),
        'booking_event', jsonb_build_object(
            'id', NEW.id, 'booking_id', NEW.booking_id, 'event_type', v_type,
            'description', NEW.description, 'user_id', NEW.user_id,
            'created_at', NEW.created_at, 'table', TG_TABLE_NAME, 'operation', TG_OP,
            'record', to_jsonb(NEW)),
        'system', jsonb_build_object(
            'environment', current_setting('booking_events.environment'),
            'timestamp', v_now, 'database', current_database(), 'version', '1.5.0'));
    IF v_booking IS NOT NULL THEN
        v_body := v_body || jsonb_build_object('booking_details', v_booking);
    END IF;
    IF v_client IS NOT NULL THEN
        v_body := v_body || jsonb_build_object('client_info', v_client);
    END IF;
    IF v_provider IS NOT NULL THEN
        v_body := v_body || jsonb_build_object('provider_info', v_provider);
    END IF;
    INSERT INTO bench_outbox_plpgsql (event_id, event_type, booking_id, payload)
    VALUES (v_event_id, v_type, NEW.booking_id::text, v_body)
    RETURNING id INTO v_id;
    v_note := jsonb_build_object(
        'id', v_id, 'event_id', v_event_id, 'event_type', v_type,
        'booking_id', NEW.booking_id, 'user_id', NEW.user_id,
        'client_id', v_booking ->> 'client_id', 'provider_id', v_booking ->> 'provider_id',
        'description', NEW.description,
        'created_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))::text;
    PERFORM pg_notify('booking_events', v_note);
    IF NEW.booking_id IS NOT NULL THEN
        PERFORM pg_notify('booking_events:booking:' || NEW.booking_id, v_note);
    END IF;
    IF NEW.user_id IS NOT NULL THEN
        PERFORM pg_notify('booking_events:user:' || NEW.user_id, v_note);
    END IF;
    IF v_booking ->> 'client_id' IS NOT NULL THEN
        PERFORM pg_notify('booking_events:client:' || (v_booking ->> 'client_id'), v_note);
    END IF;
    IF v_booking ->> 'provider_id' IS NOT NULL THEN
        PERFORM pg_notify('booking_events:provider:' || (v_booking ->> 'provider_id'), v_note);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER booking_events_plpgsql_trigger
    AFTER INSERT ON booking_events_plpgsql FOR EACH ROW
    EXECUTE FUNCTION bench_plpgsql_booking_event();

-- Autovacuum would start on some tables in the middle of some runs only.
ALTER TABLE booking_events SET (autovacuum_enabled = off);
ALTER TABLE booking_events_plain SET (autovacuum_enabled = off);
ALTER TABLE booking_events_plpgsql SET (autovacuum_enabled = off);
ALTER TABLE webhook_outbox SET (autovacuum_enabled = off);
ALTER TABLE bench_outbox_plpgsql SET (autovacuum_enabled = off);
SQL

declare -A table=([none]=booking_events_plain [ours]=booking_events [plpgsql]=booking_events_plpgsql)
for config in none ours plpgsql; do
    insert_script "${table[$config]}" "$bookings" "$BENCH_TMP/$config.sql"
done

# Same row, both triggers: the payloads should be the same size.
psql_bench -c "INSERT INTO booking_events (booking_id, event_type, description, user_id)
               VALUES (bench_uuid(1), 'booking.updated', 'Booking updated by the benchmark', bench_uuid(2))" \
    -c "INSERT INTO booking_events_plpgsql (booking_id, event_type, description, user_id)
        VALUES (bench_uuid(1), 'booking.updated', 'Booking updated by the benchmark', bench_uuid(2))"
sizes=$(psql_bench -F ' ' -c "SELECT (SELECT octet_length(payload::text) FROM webhook_outbox ORDER BY id DESC LIMIT 1),
                                     (SELECT octet_length(payload::text) FROM bench_outbox_plpgsql ORDER BY id DESC LIMIT 1)")
echo "payload bytes for the same row: ours $(echo "$sizes" | cut -d' ' -f1), plpgsql $(echo "$sizes" | cut -d' ' -f2)"
echo "pgbench -n -M prepared -c $clients -j 2 -T $seconds, one INSERT per transaction; delivery paused"
echo

pm=$(postmaster_pid)
wp=$(worker_pid)
results="$BENCH_TMP/results.txt"
: >"$results"
order=(none ours plpgsql)
printf '  %-6s %-8s %10s %14s %14s %12s %10s\n' round config TPS 'server us/tx' 'worker us/tx' 'WAL bytes/tx' 'others %'
for round in $(seq "$rounds"); do
    for config in "${order[@]}"; do
        psql_bench -c CHECKPOINT
        wal_before=$(psql_bench -c 'SELECT pg_current_wal_insert_lsn()')
        "$PY" "$CPU_TOOL" snapshot --postmaster "$pm" --worker "$wp" >"$BENCH_TMP/before.json"
        pgbench_measured "$BENCH_TMP/pgbench.out" -n -M prepared -c "$clients" -j 2 \
            -T "$seconds" -f "$BENCH_TMP/$config.sql" ||
            { cat "$BENCH_TMP/pgbench.out"; die "pgbench failed"; }
        "$PY" "$CPU_TOOL" snapshot --postmaster "$pm" --worker "$wp" >"$BENCH_TMP/after.json"
        tps=$(awk '/^tps/ {print $3; exit}' "$BENCH_TMP/pgbench.out")
        txs=$(awk '/actually processed/ {print $NF}' "$BENCH_TMP/pgbench.out")
        wal=$(psql_bench -c "SELECT round(pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '$wal_before') / $txs)")
        "$PY" - "$BENCH_TMP/before.json" "$BENCH_TMP/after.json" "$txs" "$round" "$config" "$tps" \
            "$BENCH_TMP/pgbench_cpu.json" "$wal" >>"$results" <<'PYX'
import json, os, sys
b, a = (json.load(open(p)) for p in sys.argv[1:3])
load = json.load(open(sys.argv[7]))
n = int(sys.argv[3])
server = (a["pg_other"] - b["pg_other"] + a["worker"] - b["worker"]) * 1e6 / n
worker = (a["worker"] - b["worker"]) * 1e6 / n
wall = a["time"] - b["time"]
machine = a["machine"] - b["machine"]
ours = a["pg_other"] - b["pg_other"] + a["worker"] - b["worker"]
outside = 100 * max(0.0, machine - ours - load["user"] - load["sys"]) / (wall * (os.cpu_count() or 1))
print(sys.argv[4], sys.argv[5], sys.argv[6], f"{server:.1f}", f"{worker:.1f}", f"{outside:.0f}",
      sys.argv[8])
PYX
        tail -1 "$results" | awk '{printf "  %-6s %-8s %10.0f %14s %14s %12s %9s%%\n", $1, $2, $3, $4, $5, $7, $6}'
    done
    order=("${order[@]:1}" "${order[0]}")
done

echo
echo "== summary (bench/trigger_overhead.sh --seconds $seconds --rounds $rounds --clients $clients; medians)"
"$PY" - "$results" <<'PYX'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
tps = {c: statistics.median(float(r[2]) for r in rows if r[1] == c) for c in ("none", "ours", "plpgsql")}
cpu = {c: statistics.median(float(r[3]) for r in rows if r[1] == c) for c in ("none", "ours", "plpgsql")}
wal = {c: statistics.median(float(r[6]) for r in rows if r[1] == c) for c in ("none", "ours", "plpgsql")}
others = max(float(r[5]) for r in rows)
for c in ("none", "ours", "plpgsql"):
    print(f"  {c:<8} {tps[c]:>8.0f} TPS   {cpu[c]:>7.1f} us of PostgreSQL CPU per insert "
          f"(trigger's share {cpu[c] - cpu['none']:>6.1f} us), {wal[c]:>5.0f} WAL bytes")
print(f"  ours / plpgsql  TPS {tps['ours'] / tps['plpgsql']:.2f}x   "
      f"trigger CPU {(cpu['ours'] - cpu['none']) / max(1e-9, cpu['plpgsql'] - cpu['none']):.2f}x")
print(f"  ours / none     TPS {100 * tps['ours'] / tps['none']:.0f}%")
print(f"  plpgsql / none  TPS {100 * tps['plpgsql'] / tps['none']:.0f}%")
if others > 10:
    print(f"  WARNING: other processes used up to {others:.0f}% of the machine during a run")
PYX

if [ "$per_row" -gt 0 ]; then
    echo
    echo "-- per row, one backend: INSERT ... SELECT of $per_row rows, one statement (us per row, three times)"
    for config in none ours plpgsql; do
        printf '  %-8s' "$config"
        for _ in 1 2 3; do
            ms=$(psql_bench -c '\timing on' -c "INSERT INTO ${table[$config]} (booking_id, event_type, description, user_id)
                SELECT bench_uuid(1 + i % $bookings), 'booking.updated', 'Booking updated by the benchmark',
                       bench_uuid(1 + i % 900)
                FROM generate_series(1, $per_row) i" | awk '/^Time:/ {print $2}')
            printf ' %8.1f' "$(calc "1000 * $ms / $per_row" %.1f)"
        done
        echo
    done
fi

if [ "${BENCH_PERF:-0}" = 1 ]; then
    for config in ours plpgsql; do
        echo
        echo "-- perf: where the backends' CPU goes during an unmeasured run of $config"
        pgbench_bench -n -M prepared -c "$clients" -j 2 -T 8 -f "$BENCH_TMP/$config.sql" \
            >/dev/null 2>&1 &
        load=$!
        sleep 1
        # Every child of our postmaster but the worker: the backends serving
        # pgbench, and walwriter, checkpointer, ...
        pids=$(ps --ppid "$pm" -o pid= | tr -d ' ' | grep -vx "$wp" | paste -sd, -)
        [ "$config" = ours ] && perf_worker_start "$wp" "$BENCH_TMP/worker.perf"
        perf record -g -F 999 -p "$pids" -o "$BENCH_TMP/$config.perf" -- sleep 6 >/dev/null 2>&1 || true
        [ "$config" = ours ] && perf_worker_stop
        wait "$load" || true
        perf script -i "$BENCH_TMP/$config.perf" 2>/dev/null |
            "$PY" "$BENCH_ROOT/lib/perf_phases.py" --backends --exclude-pid "$wp"
        if [ "$config" = ours ]; then
            echo "-- perf: the delivery worker during that run (delivery paused: empty webhook_url)"
            perf_worker_report "$BENCH_TMP/worker.perf"
        fi
    done
fi
