-- A json value nested as deep as the application likes (sec10): json
-- accepts any depth (json_build_array nests without parsing), and writing
-- the payload walked the value recursively, outside PostgreSQL's stack
-- depth check. An application role with INSERT on a table that has a json
-- column crashed its backend with 100,000 levels (SIGSEGV), and the
-- postmaster restarted every session of the server. A value nested deeper
-- than 1,000 levels is now carried as its JSON text, a string; up to 1,000
-- it is nested as before. The INSERT never fails.
CREATE DATABASE booking_events_deep_json;
\c booking_events_deep_json
CREATE EXTENSION booking_events;
CREATE DOMAIN json_doc AS json;
CREATE TABLE notes (id int PRIMARY KEY, booking_id text, doc json, doc_domain json_doc);
CREATE TRIGGER notes_webhook AFTER INSERT ON notes FOR EACH ROW
    EXECUTE FUNCTION trigger_booking_event_webhook();
CREATE ROLE deep_json_app;
GRANT INSERT ON notes TO deep_json_app;

SET ROLE deep_json_app;
-- json nested `levels` deep around 1, built without parsing it.
CREATE FUNCTION pg_temp.nested(levels int) RETURNS json LANGUAGE plpgsql AS $$
DECLARE
    value json := '1';
BEGIN
    FOR i IN 1..levels LOOP
        value := json_build_array(value);
    END LOOP;
    RETURN value;
END $$;
INSERT INTO notes VALUES (1, 'b-1', pg_temp.nested(100000), NULL);
INSERT INTO notes VALUES (2, 'b-2', pg_temp.nested(1000), pg_temp.nested(1001));
RESET ROLE;

-- The session lived: the events are queued, the values whole.
SELECT id, jsonb_typeof(doc) AS doc_kind, length(CASE jsonb_typeof(doc) WHEN 'string' THEN doc #>> '{}' ELSE doc::text END) AS doc_length,
       jsonb_typeof(doc_domain) AS doc_domain_kind, length(doc_domain #>> '{}') AS doc_domain_length
FROM (SELECT id, payload->'booking_event'->'record'->'doc' AS doc,
             payload->'booking_event'->'record'->'doc_domain' AS doc_domain
      FROM webhook_outbox) AS o
ORDER BY id;
-- The nested one is nested all the way down.
SELECT (SELECT doc FROM notes WHERE id = 2)::jsonb =
       (SELECT payload->'booking_event'->'record'->'doc' FROM webhook_outbox WHERE id = 2)
       AS nested_value_unchanged;

\c contrib_regression
DROP DATABASE booking_events_deep_json;
DROP ROLE deep_json_app;
