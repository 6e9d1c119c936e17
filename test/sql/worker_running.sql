-- Included by regress tests (\i) before they read webhook_health(): pg_regress
-- creates the database just before the first test, and the launcher starts
-- its delivery worker (and the worker its recorder) a moment later, so a
-- test run first (REGRESS=022_endpoints) could read "the delivery worker is
-- not running". worker_running_within(health, seconds) waits until the given
-- webhook_health function (schema-qualified as the test installed it) says
-- the worker runs and, where it reports one, has a recorder's pid; it says
-- whether that came in time.
CREATE FUNCTION worker_running_within(health regproc, seconds int) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE
    deadline timestamptz := clock_timestamp() + seconds * interval '1 second';
    h jsonb;
    running boolean;
BEGIN
    LOOP
        EXECUTE format('SELECT %s()', health) INTO h;
        running := (h->>'worker_running')::boolean
                   AND (NOT h ? 'recorder_pid' OR jsonb_typeof(h->'recorder_pid') = 'number');
        IF running OR clock_timestamp() > deadline THEN
            RETURN running;
        END IF;
        PERFORM pg_sleep(0.05);
    END LOOP;
END $$;
