-- Included by regress tests (\i): a schema "hijack" of the current role's,
-- with an "=" operator for uuid that records each call in hijack.calls.
-- First in a search_path, it stands in for pg_catalog.= wherever an
-- unqualified "=" meets two uuids.
CREATE SCHEMA hijack;
CREATE TABLE hijack.calls (who text);
CREATE FUNCTION hijack.uuid_eq(uuid, uuid) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO hijack.calls VALUES (current_user);
    RETURN $1::text = $2::text;
END $$;
CREATE OPERATOR hijack.= (LEFTARG = uuid, RIGHTARG = uuid, FUNCTION = hijack.uuid_eq);
