-- Included by regress tests (\i): error_of(statement) runs a statement as
-- the current role and says how it ended, 'no error' or SQLSTATE: message.
CREATE FUNCTION error_of(call text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE call;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
