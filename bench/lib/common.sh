# shellcheck shell=bash
# Shared by the bench/*.sh scripts (sourced, not run). Each script gets its
# own throw-away PostgreSQL 15 cluster and nginx in a temp directory, both
# running as the unprivileged user `postgres` and reachable only through a
# Unix socket (PostgreSQL) or 127.0.0.1 (nginx). Everything is stopped and
# removed on exit, also on error or Ctrl-C (BENCH_KEEP=1 keeps the directory).
#
# Environment knobs (all optional):
#   BENCH_PGSS=1          also preload pg_stat_statements (track = all) and
#                         print the worker's statements at the end
#   BENCH_PERF=1          profile the delivery worker with perf (drain.sh)
#   BENCH_NGINX_WORKERS   nginx worker_processes (default 1)
#   BENCH_KEEP=1          leave the temp directory (logs, perf data) behind
#   BENCH_OUTBOX_FILLFACTOR  set this fillfactor on webhook_outbox once the
#                         schema is created (an installed-object experiment)
#   BENCH_PG_CONF         extra postgresql.conf lines for an experiment,
#                         e.g. BENCH_PG_CONF='jit = off' (printed in the output)
#   PG_CONFIG             pg_config of the PostgreSQL 15 to test (default:
#                         Debian's, /usr/lib/postgresql/15/bin)
#   BENCH_WAIT_QUIET=1    first wait (up to 30 min) until the machine has
#                         been less than 10% busy for 5 s: on a shared
#                         machine, other jobs distort every figure

set -euo pipefail

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_ROOT=$(cd "$BENCH_ROOT/.." && pwd)
# The PostgreSQL under test: PG_CONFIG=/path/to/pg_config picks another
# installation than Debian's (its bin directory holds postgres, pgbench, ...).
if [ -n "${PG_CONFIG:-}" ]; then
    PGBIN=$("$PG_CONFIG" --bindir)
else
    PGBIN=/usr/lib/postgresql/15/bin
fi
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
CPU_TOOL="$BENCH_ROOT/lib/proc_cpu.py"

note() { printf '# %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

# The script's arguments: `--NAME VALUE` sets the variable its option
# table maps NAME to, -h/--help prints the script's header comment, and any
# other word goes to the variable named by WORDS (appended when it is an
# array; with WORDS empty, a word is an error). Every script reads its
# arguments this way, so that an option works alike in each:
#   parse_args "window=window vacuum-every=vacuum_every" events "$@"
parse_args() {
    local options=$1 words=$2 pair variable
    shift 2
    while [ $# -gt 0 ]; do
        case $1 in
            -h | --help) print_usage; exit 0 ;;
            --*)
                variable=""
                for pair in $options; do
                    [ "--${pair%%=*}" = "$1" ] && variable=${pair#*=}
                done
                if [ -z "$variable" ] || [ $# -lt 2 ]; then die "unknown argument $1 (see $0 --help)"; fi
                printf -v "$variable" '%s' "$2"
                shift 2
                ;;
            *)
                [ -n "$words" ] || die "unknown argument $1 (see $0 --help)"
                if [[ "$(declare -p "$words")" == "declare -a"* ]]; then
                    eval "$words+=(\"\$1\")"
                else
                    printf -v "$words" '%s' "$1"
                fi
                shift
                ;;
        esac
    done
}

# The comment at the top of the running script, up to the shellcheck line.
print_usage() {
    awk 'NR == 1 { next } /^# shellcheck/ || !/^#/ { exit } { print }' "$0"
}

# Runs a command as postgres (directly when we already are postgres).
as_pg() {
    if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

require_tools() {
    local missing=()
    for tool in "$@"; do command -v "$tool" >/dev/null 2>&1 || missing+=("$tool"); done
    [ -x "$PGBIN/postgres" ] || missing+=("postgresql-15")
    if [ "${#missing[@]}" -gt 0 ]; then
        die "missing: ${missing[*]} (Debian 12: apt-get install -y postgresql-15 nginx-light wrk; optional linux-perf)"
    fi
    [ -f "$("$PGBIN"/pg_config --pkglibdir)/booking_events.so" ] ||
        die "booking_events is not installed (cd $REPO_ROOT && make && make install)"
    if [ "$(id -u)" -ne 0 ] && [ "$(id -un)" != postgres ]; then
        die "run as root (the servers are started as user postgres) or as postgres"
    fi
}

free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

BENCH_TMP=""
PGPORT=""
NGINX_PORT=""
POLL_PID=""

# Busy share of the whole machine over $1 seconds, in percent (/proc/stat).
machine_busy_percent() {
    "$PY" - "$1" <<'PYX'
import sys, time
def read():
    f = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return sum(f[:8]), f[3] + f[4]
t0, i0 = read()
time.sleep(float(sys.argv[1]))
t1, i1 = read()
print(round(100 * (1 - (i1 - i0) / max(1, t1 - t0))))
PYX
}

wait_quiet() {
    local deadline=$((SECONDS + 1800)) busy
    while :; do
        busy=$(machine_busy_percent 5)
        [ "$busy" -lt 10 ] && return 0
        [ "$SECONDS" -ge "$deadline" ] && { note "machine still ${busy}% busy; going ahead"; return 0; }
        note "machine ${busy}% busy; waiting for quiet"
    done
}

bench_init() {
    [ "${BENCH_WAIT_QUIET:-0}" = 1 ] && wait_quiet
    BENCH_TMP=$(mktemp -d /tmp/booking_events_bench.XXXXXX)
    chmod 755 "$BENCH_TMP"
    [ "$(id -u)" -ne 0 ] || chown postgres: "$BENCH_TMP"
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
}

bench_cleanup() {
    local status=$?
    set +e
    trap '' PIPE INT TERM
    [ -n "$POLL_PID" ] && kill "$POLL_PID" 2>/dev/null
    [ -n "$PERF_PID" ] && kill -INT "$PERF_PID" 2>/dev/null
    if [ -n "$BENCH_TMP" ] && [ -f "$BENCH_TMP/nginx/nginx.pid" ]; then
        kill -QUIT "$(cat "$BENCH_TMP/nginx/nginx.pid")" 2>/dev/null
    fi
    if [ -n "$BENCH_TMP" ] && [ -f "$BENCH_TMP/data/postmaster.pid" ]; then
        as_pg "$PGBIN/pg_ctl" -D "$BENCH_TMP/data" -m immediate -w stop >/dev/null 2>&1
    fi
    if [ -n "$BENCH_TMP" ]; then
        if [ "${BENCH_KEEP:-0}" = 1 ]; then
            note "kept $BENCH_TMP"
        else
            rm -rf "$BENCH_TMP"
        fi
    fi
    exit "$status"
}

machine_summary() {
    local model mem
    model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
    mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
    echo "machine: $(nproc) CPUs ($model), $mem RAM, kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
    local so
    so="$("$PGBIN"/pg_config --pkglibdir)/booking_events.so"
    echo "extension: $so ($(sha256sum "$so" | cut -c1-12), installed $(date -u -r "$so" '+%F %T') UTC); source tree $(git -C "$REPO_ROOT" describe --always --dirty 2>/dev/null || echo unknown)"
}

# Starts the cluster with the extension preloaded and delivery paused
# (webhook_url empty); creates database bench with the extension.
# PG_EXTRA_LIBS (",lib,...") and PG_EXTRA_CONF (lines) add to the settings.
PG_EXTRA_LIBS=""
PG_EXTRA_CONF=""
pg_start() {
    local libs="booking_events$PG_EXTRA_LIBS"
    [ "${BENCH_PGSS:-0}" = 1 ] && libs="$libs,pg_stat_statements"
    PGPORT=$(free_port)
    as_pg "$PGBIN/initdb" -D "$BENCH_TMP/data" -A trust -E UTF8 --locale=C -N >/dev/null
    cat >>"$BENCH_TMP/data/postgresql.conf" <<CONF
# booking_events bench
port = $PGPORT
listen_addresses = ''
unix_socket_directories = '$BENCH_TMP'
shared_preload_libraries = '$libs'
booking_events.database_name = 'bench'
shared_buffers = 512MB
max_wal_size = 4GB
checkpoint_timeout = 30min
log_line_prefix = '%m [%p] %b '
pg_stat_statements.track = all
pg_stat_statements.track_planning = on
$PG_EXTRA_CONF
${BENCH_PG_CONF:-}
CONF
    [ -z "${BENCH_PG_CONF:-}" ] || echo "extra postgresql.conf: ${BENCH_PG_CONF//$'\n'/; }"
    as_pg "$PGBIN/pg_ctl" -D "$BENCH_TMP/data" -l "$BENCH_TMP/server.log" -w start >/dev/null
    as_pg "$PGBIN/createdb" -h "$BENCH_TMP" -p "$PGPORT" bench
    psql_bench -c 'CREATE EXTENSION booking_events'
    [ "${BENCH_PGSS:-0}" = 1 ] && psql_bench -c 'CREATE EXTENSION pg_stat_statements'
    wait_for_worker
}

psql_bench() {
    as_pg "$PGBIN/psql" -h "$BENCH_TMP" -p "$PGPORT" -X -q -At -v ON_ERROR_STOP=1 -d bench "$@"
}

pgbench_bench() {
    as_pg "$PGBIN/pgbench" -h "$BENCH_TMP" -p "$PGPORT" "$@" bench
}

# pgbench whose own CPU time goes to $BENCH_TMP/pgbench_cpu.json, so that it
# can be told apart from interference. $1: output file; the rest: options.
pgbench_measured() {
    local out=$1
    shift
    local as=()
    [ "$(id -un)" = postgres ] || as=(runuser -u postgres --)
    "$PY" "$CPU_TOOL" run --out "$BENCH_TMP/pgbench_cpu.json" -- "${as[@]}" \
        "$PGBIN/pgbench" -h "$BENCH_TMP" -p "$PGPORT" "$@" bench >"$out" 2>&1
}

postmaster_pid() { head -1 "$BENCH_TMP/data/postmaster.pid"; }

worker_pid() {
    psql_bench -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'booking_events worker'"
}

# The recorder's pid (booking_events.recorder), 0 when none runs (or the
# build has none).
recorder_pid() {
    local pid
    pid=$(psql_bench -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'booking_events recorder'")
    echo "${pid:-0}"
}

wait_for_worker() {
    local pid=""
    for _ in $(seq 150); do
        pid=$(worker_pid)
        [ -n "$pid" ] && return 0
        sleep 0.2
    done
    die "the booking_events worker did not start (see $BENCH_TMP/server.log)"
}

# Until no event is pending, looking every 0.1 s; dies after $1 seconds
# (default 60).
wait_drained() {
    local limit=${1:-60} i
    for ((i = 0; i < limit * 10; i++)); do
        [ "$(psql_bench -c "SELECT count(*) FROM webhook_outbox WHERE status = 'pending'")" -eq 0 ] && return 0
        sleep 0.1
    done
    die "events still pending after $limit s"
}

set_webhook_url() {
    psql_bench -c "ALTER SYSTEM SET booking_events.webhook_url = '$1'" -c 'SELECT pg_reload_conf()' >/dev/null
}

# nginx on 127.0.0.1 answering 200 to everything, keep-alive on, as postgres.
# $1: extra lines for the http block (e.g. an access_log for latency.sh).
nginx_start() {
    local extra=${1:-"access_log off;"}
    local dir="$BENCH_TMP/nginx"
    NGINX_PORT=$(free_port)
    as_pg mkdir -p "$dir/temp"
    as_pg tee "$dir/nginx.conf" >/dev/null <<CONF
worker_processes ${BENCH_NGINX_WORKERS:-1};
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
    $extra
    client_body_temp_path $dir/temp/body;
    proxy_temp_path $dir/temp/proxy;
    fastcgi_temp_path $dir/temp/fastcgi;
    uwsgi_temp_path $dir/temp/uwsgi;
    scgi_temp_path $dir/temp/scgi;
    client_body_buffer_size 64k;
    keepalive_timeout 75s;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        location / { return 200; }
    }
}
CONF
    as_pg nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log"
    for _ in $(seq 50); do [ -s "$dir/nginx.pid" ] && return 0; sleep 0.1; done
    die "nginx did not start (see $dir/error.log)"
}

nginx_pid() { cat "$BENCH_TMP/nginx/nginx.pid"; }
webhook_url() { echo "http://127.0.0.1:$NGINX_PORT/hook"; }

# The application's tables and the contract's two triggers, from the fixture
# every test loads (test/fixtures/), plus inserted_at for the latency figures.
# Profiles 1-900 are clients, 901-1000 providers. bench_uuid(n) is the uuid
# of row n. $1: number of bookings.
create_app_schema() {
    local bookings=$1
    cat "$REPO_ROOT/test/fixtures/app_schema.sql" "$REPO_ROOT/test/fixtures/app_triggers.sql" |
        psql_bench
    psql_bench <<SQL
ALTER TABLE booking_events ADD COLUMN inserted_at timestamptz DEFAULT clock_timestamp();
CREATE FUNCTION bench_uuid(bigint) RETURNS uuid IMMUTABLE LANGUAGE sql
    AS \$\$ SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(\$1), 12, '0'))::uuid \$\$;
INSERT INTO profiles
SELECT bench_uuid(i), 'Profile ' || i, 'profile' || i || '@example.com',
       CASE WHEN i > 900 THEN 'Provider ' || i || ' Ltd' END
FROM generate_series(1, 1000) i;
INSERT INTO bookings (id, booking_number, client_id, provider_id, total_price)
SELECT bench_uuid(i), 'BK-2026-' || lpad(i::text, 7, '0'), bench_uuid(1 + i % 900),
       bench_uuid(901 + i % 100), 100 + (i % 500)
FROM generate_series(1, $bookings) i;
VACUUM ANALYZE profiles, bookings;
SQL
    if [ -n "${BENCH_OUTBOX_FILLFACTOR:-}" ]; then
        psql_bench -c "ALTER TABLE webhook_outbox SET (fillfactor = $BENCH_OUTBOX_FILLFACTOR)"
        echo "webhook_outbox: fillfactor $BENCH_OUTBOX_FILLFACTOR"
    fi
}

# A pgbench script: one INSERT of a booking_events row per transaction into
# table $1, for a random booking of 1..$2 and a random user; written to $3.
insert_script() {
    cat >"$3" <<SQL
\set b random(1, $2)
\set u random(1, 900)
INSERT INTO $1 (booking_id, event_type, description, user_id)
VALUES (bench_uuid(:b), 'booking.updated', 'Booking updated by the benchmark', bench_uuid(:u));
SQL
    chmod 644 "$3"
}

# Queues events through the real trigger: event i belongs to booking
# 1 + (i - 1) % bookings. 10,000 rows per transaction; no NOTIFY (nobody
# listens, and half a million notifications per commit would only slow the
# setup down).
queue_events() {
    local count=$1 bookings=$2 chunk=10000 from=1
    while [ "$from" -le "$count" ]; do
        local to=$((from + chunk - 1))
        [ "$to" -gt "$count" ] && to=$count
        psql_bench -c "SET booking_events.notify = off" -c "
INSERT INTO booking_events (booking_id, event_type, description, user_id)
SELECT bench_uuid(1 + (i - 1) % $bookings), 'booking.updated', 'Benchmark event ' || i,
       bench_uuid(1 + i % 900)
FROM generate_series($from, $to) i"
        from=$((to + 1))
    done
}

# A persistent psql session for polling: one backend for the whole run, each
# query its own short transaction (a long one would hold back vacuum).
poll_start() {
    coproc POLL { as_pg "$PGBIN/psql" -h "$BENCH_TMP" -p "$PGPORT" -X -q -At -d bench 2>&1; }
    POLL_PID=$POLL_PID
}

# Runs one statement; prints the last line of its answer (unaligned, no
# header): the value of a one-row, one-column query.
poll_query() {
    local line answer=""
    printf '%s;\n\\echo __bench_end__\n' "$1" >&"${POLL[1]}"
    while IFS= read -r line <&"${POLL[0]}"; do
        [ "$line" = __bench_end__ ] && break
        answer=$line
    done
    echo "$answer"
}

poll_stop() {
    [ -n "$POLL_PID" ] || return 0
    { echo '\q' >&"${POLL[1]}"; } 2>/dev/null || true
    wait "$POLL_PID" 2>/dev/null || true
    POLL_PID=""
}

now_s() { echo "${EPOCHREALTIME}"; }

# Arithmetic on decimals (awk is always there, bc not): calc EXPR [FORMAT]
calc() { awk -v fmt="${2:-%.2f}" "BEGIN { printf fmt, ($1) }"; }

# The baseline: wrk POSTing the same body to the same nginx, one thread,
# $1 connections for $2 seconds. Prints wrk's summary and nginx's CPU per
# request; sets WRK_RPS.
WRK_RPS=""
wrk_baseline() {
    local conns=$1 seconds=$2 body=$3
    local lua="$BENCH_TMP/wrk_post.lua"
    cat >"$lua" <<'LUA'
local f = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
LUA
    local pm ng
    pm=$(postmaster_pid)
    ng=$(nginx_pid)
    "$PY" "$CPU_TOOL" snapshot --postmaster "$pm" --nginx "$ng" >"$BENCH_TMP/wrk_before.json"
    BENCH_BODY=$body "$PY" "$CPU_TOOL" run --out "$BENCH_TMP/wrk_self.json" -- \
        wrk -t1 -c"$conns" -d"${seconds}s" -s "$lua" "$(webhook_url)" >"$BENCH_TMP/wrk.out"
    "$PY" "$CPU_TOOL" snapshot --postmaster "$pm" --nginx "$ng" >"$BENCH_TMP/wrk_after.json"
    # shellcheck disable=SC2034 # read by the calling script
    WRK_RPS=$(awk '/^Requests\/sec:/ {print $2}' "$BENCH_TMP/wrk.out")
    local total
    total=$(awk '/requests in/ {print $1}' "$BENCH_TMP/wrk.out")
    sed 's/^/  /' "$BENCH_TMP/wrk.out"
    "$PY" - "$BENCH_TMP/wrk_before.json" "$BENCH_TMP/wrk_after.json" "$BENCH_TMP/wrk_self.json" "$total" <<'PYX'
import json, sys
b, a, w = (json.load(open(p)) for p in sys.argv[1:4])
n = int(sys.argv[4])
wall = a["time"] - b["time"]
ng = a["nginx"] - b["nginx"]
me = w["user"] + w["sys"]
print(f"  wrk CPU {me:.2f} s ({me * 1e6 / n:.1f} us/request), "
      f"nginx CPU {ng:.2f} s ({ng * 1e6 / n:.1f} us/request, {100 * ng / wall:.0f}% of one core)")
PYX
}

# shellcheck source-path=SCRIPTDIR source=perf.sh
source "$BENCH_ROOT/lib/perf.sh"
