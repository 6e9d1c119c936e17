
-- Roles a DBA made admin or monitor on 1.1.0 keep their whole purpose:
-- whoever can use every object the purpose had before 1.2.0 (PUBLIC has
-- none of them) is granted the new ones.
DO $$
DECLARE
    holder record;
BEGIN
    FOR holder IN
        SELECT r.oid::regrole AS role, p.purpose
          FROM pg_roles r, (VALUES ('admin'), ('monitor')) AS p (purpose)
         WHERE NOT r.rolsuper AND r.rolname !~ '^pg_'
           AND r.oid <> (SELECT extowner FROM pg_extension WHERE extname = 'booking_events')
           AND NOT EXISTS (
               SELECT 1 FROM @extschema@.booking_events_privileges() v
                WHERE v.purpose = p.purpose AND v.object_type <> 'SCHEMA'
                  AND v.object_name NOT IN (
                      'webhook_deliveries', 'webhook_stats_by_endpoint', 'webhook_endpoints_status',
                      'booking_events_endpoint_origin(text)',
                      'webhook_endpoint_set(text, text, text[], real, integer, text, text)',
                      'webhook_endpoint_remove(text)', 'webhook_endpoint_pause(text)',
                      'webhook_endpoint_resume(text)')
                  AND NOT CASE v.object_type
                          WHEN 'TABLE' THEN has_table_privilege(
                              r.oid, format('@extschema@.%s', v.object_name), v.privilege)
                          ELSE has_function_privilege(
                              r.oid, format('@extschema@.%s', v.object_name), v.privilege) END)
    LOOP
        PERFORM @extschema@.booking_events_apply_privileges('GRANT', holder.role, holder.purpose);
    END LOOP;
END;
$$;
-- Routing and delivery (ep-worker). Each backend keeps the endpoints'
-- names and patterns in memory to route an event when it is written; row
-- changes send no cache invalidation of their own, so this statement trigger
-- sends one for the table: every backend (the worker too) reads the
-- endpoints again from its next transaction on, whoever changed them (the
-- webhook_endpoint_* functions or a superuser's own INSERT).
CREATE FUNCTION booking_events_endpoints_changed() RETURNS trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'booking_events_endpoints_changed';
REVOKE ALL ON FUNCTION booking_events_endpoints_changed() FROM PUBLIC;
CREATE TRIGGER webhook_endpoints_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON webhook_endpoints
    FOR EACH STATEMENT EXECUTE FUNCTION booking_events_endpoints_changed();

