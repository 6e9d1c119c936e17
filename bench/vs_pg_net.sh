#!/usr/bin/env bash
# booking_events against pg_net, side by side in one cluster and one run,
# with one nginx receiver answering 200 (issue #12):
#
#   write path: pgbench (-M prepared, C clients, 2 threads, S seconds, one
#   INSERT into a booking_events-shaped table per transaction, fsync on) into
#     none     a table without a trigger
#     ours     trigger_booking_event_webhook(), delivery paused (empty URL)
#     pgnet    a PL/pgSQL trigger calling net.http_post() with a Supabase-style
#              "database webhook" body (type, table, schema, record); pg_net's
#              worker sends while the load runs (it cannot be paused)
#     ours+d   our trigger while our worker delivers to nginx
#     quiet    our trigger, delivery paused, booking_events.notify = off (the
#              sessions' setting: what real-time notifications cost)
#     listened our trigger, delivery paused, while one idle session LISTENs on
#              booking_events: NOTIFY is sent (with nobody listening, ours
#              skips it)
#     paused   our trigger with booking_events.paused = on: the worker opens
#              no transaction when a commit wakes it (with only an empty URL
#              it still runs its per-wake-up statements for every commit)
#     floor    the least a durable outbox can do, in plain SQL: a PL/pgSQL
#              trigger inserting a constant, pre-built payload (one of ours,
#              as a jsonb constant) into a WAL-logged copy of webhook_outbox
#              (same columns, defaults, constraints, indexes) and one
#              webhook_deliveries-shaped row; no enrichment, no JSON
#              building, no NOTIFY. Its ratio to none and to pgnet is what
#              durability itself costs on this machine
#     floor+d  the floor while it is delivered in plain SQL: one session
#              settles the floor's rows as they commit, 32 per transaction,
#              with the writes of our record statement (the delivery row, an
#              audit row, the outbox row; lib/floor_drain.sql) and no claim
#              or HTTP. Its ratio to none is the least that delivering
#              (target 5) can cost on this machine
#     floor+dh the floor while a plain client delivers it over HTTP: one
#              libpq + libcurl process (lib/floor_client.c, built here with
#              gcc) claims 32 pending deliveries at a time, POSTs each body
#              to the same nginx over one kept-alive connection, settles
#              them with the writes of floor+d, and polls every 5 ms when
#              nothing is pending; no per-booking order, retries, signature
#              or wake-ups. The least a deliverer that really sends can cost
#     contract what the contract asks of every event, in PL/pgSQL: the
#              floor's two rows, plus the three enrichment lookups by id
#              (bookings, the client's and the provider's profiles), the
#              payload built from the rows with jsonb_build_object/to_jsonb
#              (every section of the contract's payload, a fresh event id and
#              event time) and pg_notify() on the five channels (booking_events,
#              :booking:, :user:, :client:, :provider:) with the {id,
#              event_type} payload. Its ratio to none and to pgnet is what the
#              contract's work costs a trigger written in plain SQL
#     contract-silent  the same without the five pg_notify() calls (ours
#              skips NOTIFY while nobody listens, as in every configuration
#              but listened)
#   drain: a backlog queued while nobody sends, timed inside the database
#     ours     N events queued through the trigger, then the URL is set:
#              reload -> last delivered_at
#     pg_net   M rows put in net.http_request_queue, then net.wake():
#              wake -> the M-th row of net._http_response, at pg_net's
#              default pg_net.batch_size (200) and at 1000
#
#   PGNET_SRC=/path/to/pg_net bench/vs_pg_net.sh [--seconds S] [--rounds R]
#       [--clients C] [--drain N] [--pgnet-drain M] [--configs LIST]
#
#   --seconds S      per pgbench run (default 15); --rounds R (default 1):
#                    each round runs every write configuration, rotated
#   --clients C      pgbench clients (default 4)
#   --drain N        events in our backlog (default 30000; 0: no drain runs)
#   --pgnet-drain M  requests in pg_net's backlog (default 6000)
#   --configs LIST   the write configurations to run, comma-separated
#                    (default all: none,ours,pgnet,ours+d,quiet,listened,
#                    paused,floor,floor+d,floor+dh,contract,contract-silent;
#                    pgnet only with PGNET_SRC)
#   PGNET_SRC        a pg_net source tree (git clone https://github.com/supabase/pg_net;
#                    measured at commit 68ef0bf). It is copied, built with PGXS
#                    and installed into the PostgreSQL under test (PG_CONFIG,
#                    default Debian's). Without it only our half runs.
# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

seconds=15
rounds=1
clients=4
drain_events=30000
pgnet_requests=6000
config_list=none,ours,pgnet,ours+d,quiet,listened,paused,floor,floor+d,floor+dh,contract,contract-silent
while [ $# -gt 0 ]; do
    case $1 in
        --seconds) seconds=$2; shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        --clients) clients=$2; shift 2 ;;
        --drain) drain_events=$2; shift 2 ;;
        --pgnet-drain) pgnet_requests=$2; shift 2 ;;
        --configs) config_list=$2; shift 2 ;;
        -h|--help) sed -n '2,/^# shellcheck/{/^# shellcheck/!p;}' "$0"; exit 0 ;;
        *) die "unknown argument $1" ;;
    esac
done

require_tools pgbench nginx make
bench_init
echo "== bench/vs_pg_net.sh --seconds $seconds --rounds $rounds --clients $clients --drain $drain_events --pgnet-drain $pgnet_requests --configs $config_list"
machine_summary

with_pgnet=0
if [ -n "${PGNET_SRC:-}" ]; then
    [ -f "$PGNET_SRC/src/worker.c" ] || die "PGNET_SRC=$PGNET_SRC is not a pg_net source tree"
    note "building pg_net from $PGNET_SRC"
    cp -r "$PGNET_SRC" "$BENCH_TMP/pg_net_src"
    # Two steps: pg_net generates its install script while building, and
    # its DATA list is read before that file exists (a clean tree's lone
    # `make install` installs no script for the current version).
    { make -C "$BENCH_TMP/pg_net_src" PG_CONFIG="$PGBIN/pg_config" &&
        make -C "$BENCH_TMP/pg_net_src" PG_CONFIG="$PGBIN/pg_config" install; } >"$BENCH_TMP/pg_net_build.log" 2>&1 ||
        { tail -20 "$BENCH_TMP/pg_net_build.log"; die "pg_net did not build"; }
    echo "pg_net: $(git -C "$PGNET_SRC" describe --always --dirty 2>/dev/null || echo "source tree without git"), $(sed -n 's/^EXTVERSION *= *//p' "$PGNET_SRC/Makefile")"
    with_pgnet=1
    # shellcheck disable=SC2034 # read by pg_start (lib/common.sh)
    PG_EXTRA_LIBS=",pg_net"
    # shellcheck disable=SC2034
    PG_EXTRA_CONF="pg_net.database_name = 'bench'"
else
    echo "pg_net: not measured (PGNET_SRC unset). To compare: git clone https://github.com/supabase/pg_net"
    echo "        && git -C pg_net checkout 68ef0bf, then PGNET_SRC=\$PWD/pg_net $0"
fi
pg_start
nginx_start
url=$(webhook_url)
bookings=10000
create_app_schema "$bookings"

psql_bench <<'SQL'
CREATE TABLE booking_events_plain (LIKE booking_events INCLUDING ALL);
CREATE TABLE booking_events_pgnet (LIKE booking_events INCLUDING ALL);
ALTER TABLE booking_events SET (autovacuum_enabled = off);
ALTER TABLE booking_events_plain SET (autovacuum_enabled = off);
ALTER TABLE booking_events_pgnet SET (autovacuum_enabled = off);
SQL
if [ "$with_pgnet" = 1 ]; then
    psql_bench <<SQL
CREATE EXTENSION pg_net;
-- What a Supabase "database webhook" does: the row as JSON, sent by pg_net.
CREATE FUNCTION bench_pgnet_webhook() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
    PERFORM net.http_post(
        url := '$url',
        body := jsonb_build_object('type', TG_OP, 'table', TG_TABLE_NAME,
                                   'schema', TG_TABLE_SCHEMA, 'record', to_jsonb(NEW),
                                   'old_record', NULL),
        headers := '{"Content-Type": "application/json"}'::jsonb,
        timeout_milliseconds := 5000);
    RETURN NULL;
END;
\$\$;
CREATE TRIGGER booking_events_pgnet_trigger
    AFTER INSERT ON booking_events_pgnet FOR EACH ROW EXECUTE FUNCTION bench_pgnet_webhook();
SQL
fi

# The floor: a copy of the outbox and of the deliveries table (LIKE ...
# INCLUDING ALL: columns, defaults, identity, CHECKs, every index), and a
# trigger writing one row in each with a payload that is one of ours, taken
# from a sample event and written into the function as a jsonb constant
# (parsed once, when the function's plan is made).
psql_bench -c "SET booking_events.notify = off" \
    -c "INSERT INTO booking_events (booking_id, event_type, description, user_id)
        VALUES (bench_uuid(1), 'booking.updated', 'Booking updated by the benchmark', bench_uuid(2))"
floor_payload=$(psql_bench -c 'SELECT payload::text FROM webhook_outbox ORDER BY id DESC LIMIT 1')
psql_bench -v payload="$floor_payload" <<'SQL'
CREATE TABLE booking_events_floor (LIKE booking_events INCLUDING ALL);
ALTER TABLE booking_events_floor SET (autovacuum_enabled = off);
CREATE TABLE bench_floor_outbox (LIKE webhook_outbox INCLUDING ALL);
CREATE TABLE bench_floor_deliveries (LIKE webhook_deliveries INCLUDING ALL);
SELECT format($f$
CREATE FUNCTION bench_floor_event() RETURNS trigger LANGUAGE plpgsql AS $body$
DECLARE
    v_id bigint;
BEGIN
    INSERT INTO bench_floor_outbox (event_id, event_type, booking_id, payload)
    VALUES (gen_random_uuid(), NEW.event_type, NEW.booking_id::text, %L::jsonb)
    RETURNING id INTO v_id;
    INSERT INTO bench_floor_deliveries (outbox_id, endpoint, booking_id)
    VALUES (v_id, 'default', NEW.booking_id::text);
    RETURN NULL;
END;
$body$$f$, :'payload') \gexec
CREATE TRIGGER booking_events_floor_trigger
    AFTER INSERT ON booking_events_floor FOR EACH ROW EXECUTE FUNCTION bench_floor_event();
SQL
psql_bench -v name=bench_floor_deliver -v outbox=bench_floor_outbox -v deliveries=bench_floor_deliveries \
    -f "$REPO_ROOT/bench/lib/floor_drain.sql" >/dev/null
echo "floor: a constant payload of $(psql_bench -c 'SELECT octet_length(payload::text) FROM webhook_outbox ORDER BY id DESC LIMIT 1') bytes (as text), like ours"

# The contract's work in PL/pgSQL (see contract above), into copies of the
# two tables like the floor's.
psql_bench <"$REPO_ROOT/bench/lib/contract_trigger.sql"

declare -A table=([none]=booking_events_plain [ours]=booking_events [pgnet]=booking_events_pgnet
                  [ours+d]=booking_events [quiet]=booking_events [listened]=booking_events
                  [paused]=booking_events [floor]=booking_events_floor [floor+d]=booking_events_floor
                  [floor+dh]=booking_events_floor
                  [contract]=booking_events_contract [contract-silent]=booking_events_contract_silent)
configs=()
for config in ${config_list//,/ }; do
    [ -n "${table[$config]:-}" ] || die "unknown configuration $config (see --help)"
    [ "$config" = pgnet ] && [ "$with_pgnet" = 0 ] && continue
    configs+=("$config")
    insert_script "${table[$config]}" "$bookings" "$BENCH_TMP/$config.sql"
done

floor_client="$BENCH_TMP/floor_client"
if [[ " ${configs[*]} " == *" floor+dh "* ]]; then
    require_tools gcc
    gcc -O2 -Wall -Werror -o "$floor_client" "$REPO_ROOT/bench/lib/floor_client.c" \
        -I"$("$PGBIN"/pg_config --includedir)" -lpq -lcurl || die "cannot build lib/floor_client.c"
fi

# One idle session LISTENing on booking_events (it reads nothing while the
# load runs; the queue has room for far more than one run writes).
LISTENER_PID=""
listener_start() {
    as_pg env PGAPPNAME=bench_listener "$PGBIN/psql" -h "$BENCH_TMP" -p "$PGPORT" -X -q -d bench \
        -c 'LISTEN booking_events' -c 'SELECT pg_sleep(3600)' >/dev/null 2>&1 &
    LISTENER_PID=$!
    while [ "$(psql_bench -c "SELECT count(*) FROM pg_stat_activity
                             WHERE application_name = 'bench_listener' AND query LIKE '%pg_sleep%'")" = 0 ]; do
        sleep 0.1
    done
}

# Ends it, and waits until its backend has gone (writers skip NOTIFY again).
listener_stop() {
    psql_bench -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                   WHERE application_name = 'bench_listener'" >/dev/null
    wait "$LISTENER_PID" 2>/dev/null || true
    while [ "$(psql_bench -c "SELECT count(*) FROM pg_stat_activity
                             WHERE application_name = 'bench_listener'")" != 0 ]; do
        sleep 0.1
    done
}

set_paused() {
    psql_bench -c "ALTER SYSTEM SET booking_events.paused = $1" -c 'SELECT pg_reload_conf()' >/dev/null
}

ours_pending() { psql_bench -c "SELECT count(*) FROM webhook_outbox WHERE status = 'pending'"; }

# Until our worker has sent everything (after ours+d): the next run starts
# from an idle worker. Prints the seconds it took.
wait_ours_drained() {
    local t0=$SECONDS
    while [ "$(ours_pending)" -gt 0 ]; do
        [ $((SECONDS - t0)) -gt 600 ] && die "our backlog did not drain in 600 s"
        sleep 0.5
    done
    echo $((SECONDS - t0))
}

echo
echo "-- write path: pgbench -n -M prepared -c $clients -j 2 -T $seconds, one INSERT per transaction"
results="$BENCH_TMP/results.txt"
: >"$results"
printf '  %-6s %-15s %9s %12s %6s %s\n' round config TPS 'WAL B/tx' load 'after the run'
for round in $(seq "$rounds"); do
    for config in "${configs[@]}"; do
        if [ "$config" = ours+d ]; then set_webhook_url "$url"; else set_webhook_url ''; fi
        [ "$config" = paused ] && set_paused on
        # Each run starts from an empty queue: the paused configurations
        # leave their events behind, which ours+d would otherwise deliver
        # as if they were its own run's (the floor's copies likewise).
        psql_bench -c 'TRUNCATE webhook_outbox, webhook_deliveries, bench_floor_outbox, bench_floor_deliveries,
                        bench_contract_outbox, bench_contract_deliveries'
        psql_bench -c CHECKPOINT
        wal_before=$(psql_bench -c 'SELECT pg_current_wal_insert_lsn()')
        sent_before=$(psql_bench -c 'SELECT last_value FROM webhook_logs_id_seq')
        notify=on
        [ "$config" = quiet ] && notify=off
        [ "$config" = listened ] && listener_start
        floor_pid=""
        if [ "$config" = floor+d ]; then
            psql_bench -c 'TRUNCATE bench_floor_stop'
            psql_bench -c 'CALL bench_floor_deliver(0, 1, 32, true)' &
            floor_pid=$!
        elif [ "$config" = floor+dh ]; then
            psql_bench -c 'TRUNCATE bench_floor_stop'
            "$floor_client" "host=$BENCH_TMP port=$PGPORT dbname=bench user=postgres" "$url" 32 0 \
                bench_floor_outbox bench_floor_deliveries >"$BENCH_TMP/floor_client.out" &
            floor_pid=$!
        fi
        PGOPTIONS="-c booking_events.notify=$notify" pgbench_measured "$BENCH_TMP/pgbench.out" -n -M prepared -c "$clients" -j 2 \
            -T "$seconds" -f "$BENCH_TMP/$config.sql" ||
            { cat "$BENCH_TMP/pgbench.out"; die "pgbench failed"; }
        tps=$(awk '/^tps/ {print $3; exit}' "$BENCH_TMP/pgbench.out")
        txs=$(awk '/actually processed/ {print $NF}' "$BENCH_TMP/pgbench.out")
        wal=$(psql_bench -c "SELECT round(pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '$wal_before') / $txs)")
        after=""
        case $config in
            ours+d)
                left=$(ours_pending)
                sent=$(($(psql_bench -c 'SELECT last_value FROM webhook_logs_id_seq') - sent_before))
                after="sent $sent during the run, $left left; drained $(wait_ours_drained) s later"
                ;;
            floor+d|floor+dh)
                left=$(psql_bench -c "SELECT count(*) FROM bench_floor_outbox WHERE status = 'pending'")
                sent=$(($(psql_bench -c 'SELECT last_value FROM webhook_logs_id_seq') - sent_before))
                psql_bench -c 'INSERT INTO bench_floor_stop DEFAULT VALUES'
                wait "$floor_pid"
                after="settled $sent during the run, $left left"
                ;;
            pgnet)
                left=$(psql_bench -c 'SELECT count(*) FROM net.http_request_queue')
                answered=$(psql_bench -c 'SELECT count(*) FROM net._http_response')
                after="sent $answered during the run, $left left (discarded)"
                # The rest would keep pg_net's worker busy during the next runs.
                psql_bench -c 'TRUNCATE net.http_request_queue, net._http_response'
                ;;
        esac
        [ "$config" = listened ] && listener_stop
        [ "$config" = paused ] && set_paused off
        echo "$round $config $tps $wal" >>"$results"
        # The 1-minute load average: how busy the machine was (2 = both cores).
        load=$(cut -d' ' -f1 /proc/loadavg)
        printf '  %-6s %-15s %9.0f %12s %6s %s\n' "$round" "$config" "$tps" "$wal" "$load" "$after"
    done
    configs=("${configs[@]:1}" "${configs[0]}")
done
set_webhook_url ''

ours_rate=0
declare -A pgnet_rate=()
if [ "$drain_events" -gt 0 ]; then
    echo
    echo "-- drain: ours, $drain_events events over $drain_events bookings queued through the trigger"
    psql_bench -c 'TRUNCATE webhook_logs, webhook_outbox, webhook_deliveries'
    queue_events "$drain_events" "$drain_events"
    psql_bench -c 'VACUUM ANALYZE webhook_outbox' -c CHECKPOINT
    poll_start
    poll_query "ALTER SYSTEM SET booking_events.webhook_url = '$url'" >/dev/null
    start_epoch=$(poll_query "SELECT extract(epoch FROM clock_timestamp()) FROM pg_reload_conf()")
    deadline=$((SECONDS + 600))
    while [ "$(poll_query "SELECT count(*) FROM webhook_outbox WHERE status = 'pending'")" -gt 0 ]; do
        [ "$SECONDS" -gt "$deadline" ] && die "our drain did not finish in 600 s"
        sleep 0.2
    done
    read -r ours_delivered ours_failed ours_drain_s < <(poll_query "
    SELECT count(*) FILTER (WHERE status = 'delivered') || ' ' || count(*) FILTER (WHERE status = 'failed')
           || ' ' || (extract(epoch FROM max(delivered_at)) - $start_epoch) FROM webhook_outbox")
    ours_rate=$(calc "$ours_delivered / $ours_drain_s" %.0f)
    printf '  delivered %s, failed %s in %.2f s (reload -> last delivered_at): %s events/s\n' \
        "$ours_delivered" "$ours_failed" "$ours_drain_s" "$ours_rate"
    poll_query "ALTER SYSTEM SET booking_events.webhook_url = ''" >/dev/null
    poll_query "SELECT pg_reload_conf()" >/dev/null

    if [ "$with_pgnet" = 1 ]; then
        psql_bench -c 'SELECT payload::text FROM webhook_outbox ORDER BY id LIMIT 1' >"$BENCH_TMP/body.json"
        for batch in 200 1000; do
            echo "-- drain: pg_net, $pgnet_requests requests queued, pg_net.batch_size = $batch"
            poll_query "ALTER SYSTEM SET pg_net.batch_size = $batch" >/dev/null
            poll_query "SELECT pg_reload_conf()" >/dev/null
            sleep 2  # the worker reads the reload between two waits
            poll_query "TRUNCATE net.http_request_queue, net._http_response" >/dev/null
            # The same body as ours; rows put straight into the queue do not wake
            # the worker: net.wake() does, below.
            psql_bench -v body="$(cat "$BENCH_TMP/body.json")" <<SQL
INSERT INTO net.http_request_queue (method, url, headers, body, timeout_milliseconds)
SELECT 'POST', '$url', '{"Content-Type": "application/json"}',
       convert_to(:'body', 'UTF8'), 5000
FROM generate_series(1, $pgnet_requests);
SQL
            start_epoch=$(poll_query "SELECT extract(epoch FROM clock_timestamp()) FROM net.wake()")
            deadline=$((SECONDS + 900))
            while :; do
                seen=$(poll_query "SELECT count(*) || ' ' || extract(epoch FROM clock_timestamp()) FROM net._http_response")
                [ "${seen%% *}" -ge "$pgnet_requests" ] && break
                [ "$SECONDS" -gt "$deadline" ] && die "pg_net's drain did not finish in 900 s"
                sleep 0.1
            done
            ok=$(poll_query "SELECT count(*) FROM net._http_response WHERE status_code = 200")
            drain_s=$(calc "${seen#* } - $start_epoch" %.2f)
            pgnet_rate[$batch]=$(calc "$pgnet_requests / $drain_s" %.0f)
            printf '  %s responses (%s with 200) in %s s (wake -> the last one seen): %s requests/s\n' \
                "$pgnet_requests" "$ok" "$drain_s" "${pgnet_rate[$batch]}"
        done
    fi
    poll_stop
fi

echo
echo "== summary (bench/vs_pg_net.sh; medians of $rounds round(s)); issue #12 targets in brackets"
"$PY" - "$results" "$ours_rate" "${pgnet_rate[200]:-0}" "${pgnet_rate[1000]:-0}" <<'PYX'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
tps = {}
for config in ("none", "ours", "pgnet", "ours+d", "quiet", "listened", "paused", "floor", "floor+d",
               "floor+dh", "contract", "contract-silent"):
    values = [float(r[2]) for r in rows if r[1] == config]
    if values:
        tps[config] = statistics.median(values)
ours_rate, pgnet_default, pgnet_1000 = (float(x) for x in sys.argv[2:5])
for config, value in tps.items():
    print(f"  {config:<15} {value:>8.0f} TPS")
def verdict(value, target):
    return "met" if value >= target else "MISSED"
def ratio(a, b):
    return tps[a] / tps[b] if a in tps and b in tps else None
if ratio("ours", "none") is not None:
    r = ratio("ours", "none")
    print(f"  1. trigger: ours / none       {r:.2f}  [>= 0.60: {verdict(r, 0.6)}]")
if ratio("ours", "pgnet") is not None:
    r = ratio("ours", "pgnet")
    print(f"     trigger: ours / pg_net     {r:.2f}  [>= 1.00: {verdict(r, 1.0)}]   "
          f"(pg_net / none {tps['pgnet'] / tps['none']:.2f})")
def against_baselines(config, label, ours="ours"):
    """config / none and / pg_net (and ours / config), for what is measured."""
    pairs = [(config, "none", f"{label} / none"), (config, "pgnet", "/ pg_net"),
             (ours, config, f"{ours} / {config}")]
    parts = [f"{text} {ratio(a, b):.2f}" for a, b, text in pairs if ratio(a, b) is not None]
    if parts:
        print("     " + ", ".join(parts))
against_baselines("floor", "floor (durable outbox, constant payload)")
against_baselines("contract", "contract (the contract's work in PL/pgSQL)")
against_baselines("contract-silent", "contract-silent (the same, no NOTIFY)")
if ours_rate > 0 and pgnet_default > 0:
    r, r1000 = ours_rate / pgnet_default, ours_rate / pgnet_1000
    print(f"  2. drain: ours {ours_rate:.0f} events/s / pg_net {pgnet_default:.0f} req/s (batch 200) "
          f"{r:.1f}x  [>= 30: {verdict(r, 30)}]")
    print(f"     drain: ours / pg_net {pgnet_1000:.0f} req/s (batch 1000)   "
          f"{r1000:.1f}x  [>= 6: {verdict(r1000, 6)}]")
elif ours_rate > 0:
    print(f"  2. drain: ours {ours_rate:.0f} events/s (pg_net not measured)")
if ratio("ours+d", "none") is not None:
    r = ratio("ours+d", "none")
    print(f"  5. while delivering: ours+d / none  {r:.2f}  [>= 0.45: {verdict(r, 0.45)}; "
          "delivery keeping up: see 'left' above]")
against_baselines("floor+d", "floor+d (the floor, delivered in plain SQL)", "ours+d")
against_baselines("floor+dh", "floor+dh (the floor, POSTed by a plain client)", "ours+d")
if ratio("ours", "listened") is not None:
    print(f"     NOTIFY: ours / listened {ratio('ours', 'listened'):.2f} (listened / none "
          f"{ratio('listened', 'none'):.2f})")
against_baselines("paused", "paused (booking_events.paused = on)")
if ratio("quiet", "none") is not None:
    print(f"     quiet (notify off) / none {ratio('quiet', 'none'):.2f}")
print("  3. backlog and 4. steady rate: bench/backlog.sh and bench/latency.sh")
PYX
