-- The floor of delivery: what any durable outbox must write to settle a
-- delivered event, in plain SQL and with nothing else (no claim, no HTTP,
-- no IPC). The procedure made here settles its share of the pending
-- `default` deliveries (outbox ids with id % parts = part) in id order,
-- `batch` per transaction, with the row changes of the worker's record
-- statement: the delivery row, an audit row in webhook_logs and the outbox
-- row. With follow => true it keeps settling what is committed, polling
-- every 5 ms when there is nothing, until a row is put in bench_floor_stop
-- (vs_pg_net.sh's floor+d); else it returns when its share is settled
-- (backlog.sh --floor). With contract_only => true it leaves the delivery
-- row out: only the two writes the contract itself asks of a delivered
-- event (the outbox row, the audit row), the pending outbox rows read in id
-- order through the primary key (backlog.sh --floor-contract).
--
--   psql -v name=... -v outbox=... -v deliveries=... -f floor_drain.sql
CREATE TABLE IF NOT EXISTS bench_floor_stop ();
SELECT format($f$
CREATE PROCEDURE %1$I(part int, parts int, batch int, follow boolean DEFAULT false,
                      contract_only boolean DEFAULT false)
LANGUAGE plpgsql AS $proc$
DECLARE
    mark bigint := 0;
    high bigint;
BEGIN
    LOOP
        IF contract_only THEN
            SELECT max(b.id) INTO high
            FROM (SELECT o.id FROM %2$I o
                  WHERE o.id > mark AND o.status = 'pending' AND o.id %% parts = part
                  ORDER BY o.id LIMIT batch) b;
        ELSE
            SELECT max(b.outbox_id) INTO high
            FROM (SELECT d.outbox_id FROM %3$I d
                  WHERE d.endpoint = 'default' AND d.status = 'pending' AND d.outbox_id > mark
                    AND d.outbox_id %% parts = part
                  ORDER BY d.outbox_id LIMIT batch) b;
        END IF;
        IF high IS NULL THEN
            EXIT WHEN NOT follow OR EXISTS (SELECT FROM bench_floor_stop);
            -- From the start again: an id below the mark may commit late.
            mark := 0;
            PERFORM pg_sleep(0.005);
            COMMIT;
            CONTINUE;
        END IF;
        IF contract_only THEN
            WITH outbox AS (
                UPDATE %2$I o
                SET status = 'delivered', attempts = o.attempts + 1, delivered_at = now(),
                    last_http_status = 200, last_error = NULL
                WHERE o.id > mark AND o.id <= high AND o.status = 'pending'
                  AND o.id %% parts = part
                RETURNING o.event_id, o.event_type
            )
            INSERT INTO webhook_logs (event_id, event_type, attempt, status, http_status,
                                      response_time_ms, error, endpoint)
            SELECT event_id, event_type, 1, 'success', 200, 1.0, NULL, 'default' FROM outbox;
        ELSE
            WITH settled AS (
                UPDATE %3$I d
                SET attempts = d.attempts + 1, status = 'delivered', delivered_at = now(),
                    last_http_status = 200, last_error = NULL
                WHERE d.endpoint = 'default' AND d.status = 'pending' AND d.outbox_id > mark
                  AND d.outbox_id <= high AND d.outbox_id %% parts = part
                RETURNING d.outbox_id, d.delivered_at
            ), outbox AS (
                UPDATE %2$I o
                SET status = 'delivered', attempts = o.attempts + 1,
                    delivered_at = s.delivered_at, last_http_status = 200, last_error = NULL
                FROM settled s WHERE o.id = s.outbox_id
                RETURNING o.event_id, o.event_type
            )
            INSERT INTO webhook_logs (event_id, event_type, attempt, status, http_status,
                                      response_time_ms, error, endpoint)
            SELECT event_id, event_type, 1, 'success', 200, 1.0, NULL, 'default' FROM outbox;
        END IF;
        mark := high;
        COMMIT;
    END LOOP;
END
$proc$$f$, :'name', :'outbox', :'deliveries') \gexec
