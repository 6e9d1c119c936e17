#!/usr/bin/env python3
"""Where the CPU goes, from `perf script` output.

  perf script -i worker.perf | perf_phases.py            the delivery worker
  perf script -i all.perf | perf_phases.py --backends    the inserting backends

Each sample is put in the first phase whose marker appears in its call stack
(innermost frame first for the sub-steps). libcurl is built without frame
pointers, so its samples are recognised by the shared object alone.
"""
import collections
import sys

# (phase, markers): the first phase with a marker in the stack wins.
PHASES = [
    # Statements the worker runs on every wake-up, whatever it then claims.
    ("end deliveries of removed endpoints", ["end_removed_endpoint_deliveries"]),
    ("look for copied events (origin check)", ["holding_copied_events"]),
    ("record attempts: UPDATE outbox + INSERT webhook_logs", ["record_attempts",
                                                             "record_endpoint_attempts"]),
    ("claim: SELECT due events", ["claim_due_events", "claim_endpoint_deliveries"]),
    ("next-due query", ["ms_until_next_due", "ms_until_next_attempt"]),
    ("endpoint state and settings", ["write_endpoint_states", "WorkerEndpoints::refresh"]),
    ("commit (WAL flush included)", ["CommitTransactionCommand"]),
    ("start transaction, look up extension", ["StartTransactionCommand", "lookup_extension"]),
    ("retention", ["delete_expired_chunk", "run_retention_chunk"]),
    ("build request (headers, signature)", ["build_webhook_request"]),
    ("libcurl (user space)", ["libcurl.so"]),
    ("wait loop (WaitEventSet, latch)", ["WaitEventSetWait", "wait_for_work", "CreateWaitEventSet",
                                         "FreeWaitEventSet", "epoll", "wait_for_latch_or_http"]),
    ("socket I/O in the kernel (send/recv/connect)", ["sendto", "recvfrom", "tcp_", "sock_",
                                                     "__sys_getpeername", "inet_"]),
]

# Sub-steps inside the two SQL statements.
STEPS = [
    ("plan cache: re-parse / re-plan", ["GetCachedPlan"]),
    ("jsonb -> text of the payload", ["jsonb_out", "JsonbToCString", "escape_json"]),
    ("index insert (incl. bottom-up deletion)", ["ExecInsertIndexTuples", "btinsert",
                                                 "_bt_doinsert", "heap_index_delete_tuples"]),
    ("heap update / insert", ["heap_update", "heap_insert", "ExecUpdate", "ExecInsert"]),
    ("NOT EXISTS probe (per-booking order)", ["ExecSubPlan", "ExecScanSubPlan"]),
    ("index scan", ["index_getnext", "IndexNext", "_bt_first", "_bt_next", "btgettuple",
                    "index_fetch_heap", "heap_hot_search"]),
    ("unnest / array building", ["construct_md_array", "construct_array", "array_unnest",
                                 "text_array", "int8_array", "ExecFunctionScan", "ExecMakeTableFunctionResult"]),
    ("result to C strings (SPI_getvalue)", ["SPI_getvalue", "utf8_value"]),
    ("executor start / end", ["ExecutorStart", "ExecutorEnd", "standard_ExecutorStart",
                              "standard_ExecutorEnd", "ExecInitNode", "ExecEndNode"]),
]


# The backends of trigger_overhead.sh: what one INSERT ... (one transaction) costs.
BACKEND_PHASES = [
    ("our trigger (C++)", ["trigger_booking_event_webhook", "capture_row_event"]),
    ("PL/pgSQL trigger", ["plpgsql_exec_trigger", "plpgsql_call_handler"]),
    ("NOTIFY at commit (PreCommit_Notify, queue)", ["PreCommit_Notify", "AtCommit_Notify",
                                                    "asyncQueue"]),
    ("commit: WAL flush", ["XLogFlush"]),
    ("commit: the rest", ["CommitTransaction"]),
    ("the INSERT itself (table, indexes)", ["ExecInsert", "ExecModifyTable"]),
    ("parse / bind / plan", ["exec_bind_message", "exec_parse_message", "GetCachedPlan",
                             "pg_plan_query"]),
    ("protocol, client I/O", ["pq_getbyte", "pq_flush", "secure_read", "secure_write",
                             "ReadCommand", "pq_recvbuf"]),
]
TRIGGER_STEPS = [
    # First: they happen inside the lookups and the outbox INSERT too.
    ("identity switch + pinned search_path (set and restore)", ["enter_restricted_identity",
                                                               "leave_identity"]),
    ("search_path recomputed for a kept plan", ["recomputeNamespacePath"]),
    ("outbox INSERT: payload text -> jsonb (jsonb_in)", ["jsonb_in"]),
    ("outbox INSERT: index inserts", ["ExecInsertIndexTuples"]),
    ("refresh per-transaction cache (extension, table names)", ["refresh_transaction_cache",
                                                               "lookup_extension"]),
    ("enrichment lookups (bookings, profiles)", ["lookup_row", "enrich"]),
    ("outbox INSERT", ["insert_into_outbox"]),
    ("NOTIFY queueing (Async_Notify)", ["publish_notification", "Async_Notify"]),
    ("row to JSON", ["raw_row_to_json", "collect_row"]),
    ("payload build + serialize", ["build_event", "serialize_event", "booking_event_section"]),
    ("event id (random)", ["new_event_id", "pg_strong_random"]),
    ("database name", ["database_name_utf8", "get_database_name"]),
    ("SPI connect / finish", ["SPI_connect", "SPI_finish"]),
]
# plpgsql.so has no symbol table on Debian: steps are told apart by the
# server functions they call.
PLPGSQL_STEPS = [
    ("outbox INSERT: index inserts", ["ExecInsertIndexTuples"]),
    ("outbox INSERT: the rest", ["ExecInsert", "ExecInitModifyTable", "ExecModifyTable"]),
    ("pg_notify", ["Async_Notify", "pg_notify"]),
    ("jsonb building (to_jsonb, jsonb_build_object, ||)", ["jsonb_build_object", "to_jsonb",
                                                          "datum_to_jsonb", "jsonb_concat",
                                                          "JsonbValueToJsonb", "pushJsonbValue"]),
    ("SELECT lookups (bookings, profiles)", ["ExecIndexScan", "index_getnext", "IndexNext",
                                             "ExecScan"]),
    ("plan cache, executor start/end", ["GetCachedPlan", "ExecutorStart", "ExecutorEnd",
                                        "ExecInitNode", "CreateExecutorState", "FreeExecutorState"]),
    ("expression evaluation", ["ExecInterpExpr", "ExecEvalExpr"]),
]


def samples(stream, with_header=False):
    """Yields each sample's frames, innermost first (and its header line)."""
    stack, header = [], ""
    for line in stream:
        line = line.rstrip("\n")
        if not line.strip():
            if stack:
                yield (header, stack) if with_header else stack
            stack = []
            continue
        if line.startswith("\t") or line.startswith(" "):
            stack.append(line.strip())
        else:
            header = line
    if stack:
        yield (header, stack) if with_header else stack


def first_match(stack, table):
    joined = "\n".join(stack)
    for name, markers in table:
        if any(m in joined for m in markers):
            return name
    return None


def backends():
    total = 0
    phases = collections.Counter()
    steps = {"our trigger (C++)": collections.Counter(), "PL/pgSQL trigger": collections.Counter()}
    skip = set()
    if "--exclude-pid" in sys.argv:
        skip.add(sys.argv[sys.argv.index("--exclude-pid") + 1])
    for header, stack in samples(sys.stdin, with_header=True):
        fields = header.split()
        if len(fields) < 2 or fields[0] != "postgres" or fields[1] in skip:
            continue
        total += 1
        phase = first_match(stack, BACKEND_PHASES) or "other"
        phases[phase] += 1
        if phase in steps:
            table = TRIGGER_STEPS if phase.startswith("our") else PLPGSQL_STEPS
            steps[phase][first_match(stack, table) or "rest"] += 1
    report(total, phases, steps, "PostgreSQL backends")


def report(total, phases, steps, what):
    if total == 0:
        print("no samples")
        return
    print(f"{total} samples of the {what}")
    for name, n in phases.most_common():
        print(f"  {100 * n / total:5.1f}%  {name}")
        if name in steps:
            for sub, m in steps[name].most_common():
                print(f"           {100 * m / total:5.1f}%  {sub}")


def main():
    if "--backends" in sys.argv:
        backends()
        return
    total = 0
    phases = collections.Counter()
    steps = {"record attempts: UPDATE outbox + INSERT webhook_logs": collections.Counter(),
             "claim: SELECT due events": collections.Counter()}
    for stack in samples(sys.stdin):
        total += 1
        phase = first_match(stack, PHASES) or "other"
        phases[phase] += 1
        if phase in steps:
            steps[phase][first_match(stack, STEPS) or "rest of the statement"] += 1
    report(total, phases, steps, "worker")


if __name__ == "__main__":
    main()
