-- bench/vs_pg_net.sh's "contract" and "contract-silent" configurations:
-- what the contract asks of every event, done by a PL/pgSQL trigger as a
-- plain-SQL implementation would: three lookups by id (the booking, its
-- client's and its provider's profiles), the payload built from the rows
-- with jsonb_build_object / to_jsonb (every section of the contract's
-- payload), the outbox and delivery rows in WAL-logged copies of the two
-- tables (like the floor's), and, for "contract", pg_notify() on the five
-- channels with the {id, event_type} payload. The bench's bookings and
-- profiles always exist, so no section is ever omitted here.
CREATE TABLE booking_events_contract (LIKE booking_events INCLUDING ALL);
CREATE TABLE booking_events_contract_silent (LIKE booking_events INCLUDING ALL);
ALTER TABLE booking_events_contract SET (autovacuum_enabled = off);
ALTER TABLE booking_events_contract_silent SET (autovacuum_enabled = off);
CREATE TABLE bench_contract_outbox (LIKE webhook_outbox INCLUDING ALL);
CREATE TABLE bench_contract_deliveries (LIKE webhook_deliveries INCLUDING ALL);
CREATE FUNCTION bench_contract_event() RETURNS trigger LANGUAGE plpgsql AS $body$
DECLARE
    v_id bigint;
    v_event_id uuid := gen_random_uuid();
    v_time text := to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
    v_booking bookings;
    v_client profiles;
    v_provider profiles;
    v_payload jsonb;
    v_note text;
BEGIN
    SELECT * INTO v_booking FROM bookings WHERE id = NEW.booking_id;
    SELECT * INTO v_client FROM profiles WHERE id = v_booking.client_id;
    SELECT * INTO v_provider FROM profiles WHERE id = v_booking.provider_id;
    v_payload := jsonb_build_object(
        'event_id', v_event_id, 'event_type', NEW.event_type, 'event_time', v_time,
        'source', 'bench',
        'booking_event', jsonb_build_object(
            'id', NEW.id, 'booking_id', NEW.booking_id::text, 'event_type', NEW.event_type,
            'description', NEW.description, 'user_id', NEW.user_id, 'created_at', NEW.created_at,
            'table', TG_TABLE_NAME, 'operation', TG_OP, 'record', to_jsonb(NEW)),
        'booking_details', to_jsonb(v_booking),
        'client_info', jsonb_build_object('id', v_client.id, 'name', v_client.full_name,
                                          'email', v_client.email),
        'provider_info', jsonb_build_object('id', v_provider.id, 'name', v_provider.full_name,
                                            'email', v_provider.email,
                                            'company_name', v_provider.company_name),
        'system', jsonb_build_object('environment', 'bench', 'timestamp', v_time,
                                     'database', current_database(), 'version', '1.5.0'));
    INSERT INTO bench_contract_outbox (event_id, event_type, booking_id, payload)
    VALUES (v_event_id, NEW.event_type, NEW.booking_id::text, v_payload)
    RETURNING id INTO v_id;
    INSERT INTO bench_contract_deliveries (outbox_id, endpoint, booking_id)
    VALUES (v_id, 'default', NEW.booking_id::text);
    IF TG_ARGV[0] = 'notify' THEN
        v_note := json_build_object('id', v_id, 'event_type', NEW.event_type)::text;
        PERFORM pg_notify('booking_events', v_note);
        PERFORM pg_notify('booking_events:booking:' || NEW.booking_id, v_note);
        PERFORM pg_notify('booking_events:user:' || NEW.user_id, v_note);
        PERFORM pg_notify('booking_events:client:' || v_booking.client_id, v_note);
        PERFORM pg_notify('booking_events:provider:' || v_booking.provider_id, v_note);
    END IF;
    RETURN NULL;
END;
$body$;
CREATE TRIGGER booking_events_contract_trigger AFTER INSERT ON booking_events_contract
    FOR EACH ROW EXECUTE FUNCTION bench_contract_event('notify');
CREATE TRIGGER booking_events_contract_silent_trigger AFTER INSERT ON booking_events_contract_silent
    FOR EACH ROW EXECUTE FUNCTION bench_contract_event('silent');
