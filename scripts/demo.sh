#!/usr/bin/env bash
# The booking_events demo, end to end on one machine (Debian 12, as root or
# with sudo): installs the packages, builds and installs the extension,
# starts a local PostgreSQL as the unprivileged user `postgres` with the
# extension preloaded, starts a local webhook receiver standing in for
# Make.com, creates sample bookings / booking_events / profiles tables with
# the two triggers, fires real booking events and shows them arriving, with
# the webhook_logs audit trail.
#
#   scripts/demo.sh           run the demo, then stop everything
#   scripts/demo.sh --keep    leave PostgreSQL and the receiver running
set -euo pipefail

keep=false
[ "${1:-}" = "--keep" ] && keep=true
repo=$(cd "$(dirname "$0")/.." && pwd)
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "Installing packages (Debian)"
"$repo/scripts/install-deps.sh"
export PATH="/usr/lib/postgresql/15/bin:$PATH"

say "Building and installing booking_events"
make -C "$repo" -s -j "$(nproc)" PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
"${as_root[@]}" make -C "$repo" -s install PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config

demo=/tmp/booking_events_demo
port=54329
as_postgres=("${as_root[@]}" runuser -u postgres --)
if [ -f "$demo/data/postmaster.pid" ]; then
    "${as_postgres[@]}" pg_ctl -D "$demo/data" -m fast stop >/dev/null 2>&1 || true
fi
[ -f "$demo/receiver.pid" ] && kill "$(cat "$demo/receiver.pid")" 2>/dev/null || true
"${as_root[@]}" rm -rf "$demo"
"${as_root[@]}" install -d -o postgres "$demo"

say "Starting the local webhook receiver (stands in for Make.com)"
"${as_postgres[@]}" python3 "$repo/test/receiver/webhook_receiver.py" --port 0 \
    --port-file "$demo/receiver.port" --record "$demo/requests.jsonl" --quiet \
    >"$demo/receiver.log" 2>&1 &
echo $! >"$demo/receiver.pid"
for _ in $(seq 50); do [ -s "$demo/receiver.port" ] && break; sleep 0.1; done
receiver="http://127.0.0.1:$(cat "$demo/receiver.port")"
echo "receiver listening on $receiver"

stop_all() {
    "${as_postgres[@]}" pg_ctl -D "$demo/data" -m fast stop >/dev/null 2>&1 || true
    kill "$(cat "$demo/receiver.pid")" 2>/dev/null || true
}
$keep || trap stop_all EXIT

say "Starting PostgreSQL 15 with shared_preload_libraries = 'booking_events'"
"${as_postgres[@]}" initdb -D "$demo/data" -A trust >/dev/null
cat <<CONF | "${as_postgres[@]}" tee -a "$demo/data/postgresql.conf" >/dev/null
port = $port
listen_addresses = ''
unix_socket_directories = '$demo'
shared_preload_libraries = 'booking_events'
booking_events.database_name = 'app'
booking_events.webhook_url = '$receiver/make/webhook'
booking_events.api_key = 'demo-make-api-key'
booking_events.signing_secret = 'whsec_ZGVtby1zaWduaW5nLXNlY3JldC0xMjM0NTY3ODkw'
booking_events.backoff_base_ms = 500
booking_events.environment = 'demo'
CONF
grep -E '^(shared_preload|booking_events)' "$demo/data/postgresql.conf"
"${as_postgres[@]}" pg_ctl -D "$demo/data" -l "$demo/server.log" -w start >/dev/null
psql_app=("${as_postgres[@]}" psql -h "$demo" -p "$port" -X -q -v ON_ERROR_STOP=1 -d app)
"${as_postgres[@]}" createdb -h "$demo" -p "$port" app

say "CREATE EXTENSION, sample tables and the two triggers of the contract"
# The tables and triggers every test uses too (test/fixtures/).
{
    echo 'CREATE EXTENSION booking_events;'
    cat "$repo/test/fixtures/app_schema.sql" "$repo/test/fixtures/app_triggers.sql"
} | "${psql_app[@]}" -e

say "Firing booking events"
# The receiver fails the first attempt of every event, so the retries show.
curl -s -X POST -d '{"fail_first_per_event": 1, "fail_status": 503, "retry_after": "1"}' \
    "$receiver/__control/config" >/dev/null
"${psql_app[@]}" -e <<'SQL'
INSERT INTO profiles VALUES
    ('a0000000-0000-4000-8000-000000000001', 'Alice Martin', 'alice@example.com', NULL),
    ('b0000000-0000-4000-8000-000000000002', 'Bob Studio', 'bob@example.com', 'Bob Studio Ltd');
INSERT INTO bookings (id, booking_number, client_id, provider_id, total_price)
VALUES ('c0000000-0000-4000-8000-000000000003', 'BK-2026-0001',
        'a0000000-0000-4000-8000-000000000001', 'b0000000-0000-4000-8000-000000000002', 240.00);
INSERT INTO booking_events (booking_id, event_type, description, user_id)
VALUES ('c0000000-0000-4000-8000-000000000003', 'booking.created', 'Booking requested',
        'a0000000-0000-4000-8000-000000000001');
UPDATE bookings SET status = 'confirmed' WHERE booking_number = 'BK-2026-0001';
INSERT INTO booking_events (booking_id, event_type, description, user_id)
VALUES ('c0000000-0000-4000-8000-000000000003', 'booking.paid', 'Paid by card',
        'a0000000-0000-4000-8000-000000000001');
BEGIN;
INSERT INTO booking_events (booking_id, event_type, description)
VALUES ('c0000000-0000-4000-8000-000000000003', 'booking.cancelled', 'rolled back: never sent');
ROLLBACK;
SQL

say "Waiting for delivery"
for _ in $(seq 100); do
    pending=$("${psql_app[@]}" -tAc "SELECT count(*) FROM webhook_outbox WHERE status <> 'delivered'")
    [ "$pending" = 0 ] && break
    sleep 0.2
done

say "What the receiver got (one line per HTTP request)"
python3 - "$demo/requests.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if "seq" not in r:
        continue
    h, body = r["headers"], json.loads(r["body"])
    print(f'#{r["seq"]} answered {r["status"]}  {body["event_type"]:<24} webhook-id {h["webhook-id"]}')
    print(f'    x-make-apikey: {h.get("x-make-apikey")}  webhook-signature: {h.get("webhook-signature", "")[:24]}...')
first = next(json.loads(l) for l in open(sys.argv[1]) if '"seq"' in l)
print("\nThe first body, as Make.com receives it:")
print(json.dumps(json.loads(first["body"]), indent=2))
PY

say "The outbox and the webhook_logs audit trail"
"${psql_app[@]}" -P pager=off -c "SELECT id, event_type, status, attempts, last_http_status, delivered_at - created_at AS took FROM webhook_outbox ORDER BY id" \
    -c "SELECT event_id, event_type, attempt, status, http_status, round(response_time_ms::numeric, 1) AS ms, error FROM webhook_logs ORDER BY id" \
    -c "SELECT total_events, delivered, failed, total_attempts, success_rate FROM webhook_stats"

if $keep; then
    say "Still running"
    echo "psql:     ${as_postgres[*]} psql -h $demo -p $port -d app"
    echo "receiver: curl -s $receiver/__control/requests"
    echo "stop:     ${as_postgres[*]} pg_ctl -D $demo/data stop; kill \$(cat $demo/receiver.pid)"
fi
