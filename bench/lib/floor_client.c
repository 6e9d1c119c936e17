/*
 * The floor of target 4 (bench/delivery_floor.sh): the least work the
 * contract asks per delivered event, done by one plain client, batched.
 * Per batch of B pending deliveries: one claim statement (the deliveries'
 * pending index in outbox order, the payload as text), B POSTs of those
 * bodies to the receiver over one kept-alive libcurl connection, then one
 * statement that settles the B deliveries, copies each into its outbox
 * row's summary and writes B webhook_logs rows, and its commit. No
 * per-booking order check, no retries, no signature, no wake-ups: what is
 * left is what any deliverer of this contract pays.
 *
 *   floor_client CONNINFO URL BATCH EVENTS [OUTBOX DELIVERIES]
 *
 * EVENTS 0 follows instead (vs_pg_net.sh's floor+dh): it keeps delivering
 * what commits, polling every 5 ms when nothing is pending (from the lowest
 * id again: an id below the last one may commit late), until a row is put
 * in bench_floor_stop. OUTBOX and DELIVERIES name copies of the two tables
 * (default webhook_outbox and webhook_deliveries).
 *
 * Prints "events batches backend_pid client_cpu_s".
 */
#include <curl/curl.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static size_t discard(char *data, size_t size, size_t n, void *user) {
    (void)data;
    (void)user;
    return size * n;
}

static PGresult *must(PGconn *conn, PGresult *res, ExecStatusType want) {
    if (PQresultStatus(res) != want) {
        fprintf(stderr, "floor_client: %s", PQerrorMessage(conn));
        exit(1);
    }
    return res;
}

/* %1$s is the outbox, %2$s the deliveries (printf's positional arguments). */
static const char *kClaim =
    "SELECT d.outbox_id, o.event_id, o.event_type, o.payload::text "
    "FROM %2$s d JOIN %1$s o ON o.id = d.outbox_id "
    "WHERE d.endpoint = 'default' AND d.status = 'pending' AND d.outbox_id > $1 "
    "ORDER BY d.endpoint, d.outbox_id LIMIT $2";

static const char *kRecord =
    "WITH r AS (SELECT * FROM unnest($1::int8[], $2::uuid[], $3::text[], $4::float8[]) "
    "             AS r(outbox_id, event_id, event_type, ms)), "
    "d AS (UPDATE %2$s d SET status = 'delivered', attempts = d.attempts + 1, "
    "        delivered_at = now(), last_http_status = 200, last_error = NULL "
    "      FROM r WHERE d.outbox_id = r.outbox_id AND d.endpoint = 'default' "
    "      RETURNING d.outbox_id), "
    "o AS (UPDATE %1$s o SET status = 'delivered', attempts = o.attempts + 1, "
    "        delivered_at = now(), last_http_status = 200, last_error = NULL "
    "      FROM d WHERE o.id = d.outbox_id), "
    "l AS (INSERT INTO webhook_logs (event_id, event_type, attempt, status, http_status, "
    "                                response_time_ms, endpoint) "
    "      SELECT r.event_id, r.event_type, 1, 'success', 200, r.ms, 'default' FROM r) "
    "SELECT count(*) FROM d";

/* Prepares `format` with the two table names as `name`. */
static void prepare(PGconn *conn, const char *name, const char *format, int params,
                    const char *outbox, const char *deliveries) {
    char sql[2048];
    snprintf(sql, sizeof sql, format, outbox, deliveries);
    PQclear(must(conn, PQprepare(conn, name, sql, params, NULL), PGRES_COMMAND_OK));
}

/* Whether a row was put in bench_floor_stop (follow mode ends). */
static int asked_to_stop(PGconn *conn) {
    PGresult *res = must(conn, PQexec(conn, "SELECT EXISTS (SELECT FROM bench_floor_stop)"),
                         PGRES_TUPLES_OK);
    const int stop = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
    PQclear(res);
    return stop;
}

/* Appends `item` to the array literal in `buf` (quoted when `quote`). */
static void append(char **buf, size_t *len, size_t *cap, const char *item, int quote) {
    size_t need = *len + strlen(item) + 4;
    if (need > *cap) {
        *cap = need * 2;
        *buf = realloc(*buf, *cap);
    }
    *len += (size_t)sprintf(*buf + *len, "%s%s%s%s", *len > 1 ? "," : "", quote ? "\"" : "", item,
                            quote ? "\"" : "");
}

int main(int argc, char **argv) {
    if (argc != 5 && argc != 7) {
        fprintf(stderr, "usage: floor_client CONNINFO URL BATCH EVENTS [OUTBOX DELIVERIES]\n");
        return 2;
    }
    const char *outbox = argc == 7 ? argv[5] : "webhook_outbox";
    const char *deliveries = argc == 7 ? argv[6] : "webhook_deliveries";
    const char *url = argv[2];
    const int batch = atoi(argv[3]);
    const long events = atol(argv[4]);
    PGconn *conn = PQconnectdb(argv[1]);
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "floor_client: %s", PQerrorMessage(conn));
        return 1;
    }
    prepare(conn, "claim", kClaim, 2, outbox, deliveries);
    prepare(conn, "record", kRecord, 4, outbox, deliveries);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *curl = curl_easy_init();
    struct curl_slist *headers = curl_slist_append(NULL, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
    long done = 0, batches = 0;
    char last[32] = "0", limit[16];
    snprintf(limit, sizeof limit, "%d", batch);
    size_t caps[4] = {256, 256, 256, 256};
    char *arrays[4];
    for (int i = 0; i < 4; ++i) arrays[i] = malloc(caps[i]);
    const int follow = events == 0;
    while (follow || done < events) {
        const char *claim_args[2] = {last, limit};
        PGresult *claimed = must(
            conn, PQexecPrepared(conn, "claim", 2, claim_args, NULL, NULL, 0), PGRES_TUPLES_OK);
        const int rows = PQntuples(claimed);
        if (rows == 0) {
            PQclear(claimed);
            if (!follow || asked_to_stop(conn)) break;
            strcpy(last, "0");
            usleep(5000);
            continue;
        }
        size_t lens[4];
        for (int i = 0; i < 4; ++i) {
            strcpy(arrays[i], "{");
            lens[i] = 1;
        }
        for (int row = 0; row < rows; ++row) {
            const char *body = PQgetvalue(claimed, row, 3);
            curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
            curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)PQgetlength(claimed, row, 3));
            if (curl_easy_perform(curl) != CURLE_OK) {
                fprintf(stderr, "floor_client: the request failed\n");
                return 1;
            }
            double seconds = 0;
            curl_easy_getinfo(curl, CURLINFO_TOTAL_TIME, &seconds);
            char ms[32];
            snprintf(ms, sizeof ms, "%.3f", seconds * 1000);
            append(&arrays[0], &lens[0], &caps[0], PQgetvalue(claimed, row, 0), 0);
            append(&arrays[1], &lens[1], &caps[1], PQgetvalue(claimed, row, 1), 0);
            append(&arrays[2], &lens[2], &caps[2], PQgetvalue(claimed, row, 2), 1);
            append(&arrays[3], &lens[3], &caps[3], ms, 0);
        }
        snprintf(last, sizeof last, "%s", PQgetvalue(claimed, rows - 1, 0));
        PQclear(claimed);
        for (int i = 0; i < 4; ++i) strcat(arrays[i], "}");
        const char *record_args[4] = {arrays[0], arrays[1], arrays[2], arrays[3]};
        PQclear(must(conn, PQexecPrepared(conn, "record", 4, record_args, NULL, NULL, 0),
                     PGRES_TUPLES_OK));
        done += rows;
        ++batches;
    }
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    printf("%ld %ld %d %.3f\n", done, batches, PQbackendPID(conn),
           (double)(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
               (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    curl_global_cleanup();
    PQfinish(conn);
    return 0;
}
