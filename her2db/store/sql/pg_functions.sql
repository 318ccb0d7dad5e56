-- PostgreSQL only: the SQLite functions the public views and the site's queries use, so that
-- one SQL text runs on both engines, and the guard of `her2db query`. Created by every load in
-- the her2db schema, before the views.

-- group_concat(value [, separator]): SQLite's string aggregate; NULLs skipped, NULL when empty.
CREATE FUNCTION her2db_concat_step(acc text, value text, separator text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN value IS NULL THEN acc WHEN acc IS NULL THEN value ELSE acc || separator || value END
$$;
CREATE AGGREGATE group_concat(text, text) (SFUNC = her2db_concat_step, STYPE = text);

CREATE FUNCTION her2db_concat_step(acc text, value text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT her2db_concat_step(acc, value, ',') $$;
CREATE AGGREGATE group_concat(text) (SFUNC = her2db_concat_step, STYPE = text);

-- json_object('key', value, ...) with text values, and json_group_array(json): SQLite's JSON
-- builders; the array comes back as text, as SQLite gives it.
-- Written out as SQLite writes JSON (no spaces), so both engines give the same text.
CREATE FUNCTION json_object(VARIADIC pairs text[]) RETURNS json
LANGUAGE sql IMMUTABLE AS $$
    SELECT ('{' || coalesce(string_agg(to_json(pairs[i])::text || ':'
                                       || coalesce(to_json(pairs[i + 1])::text, 'null'), ',' ORDER BY i), '')
            || '}')::json
    FROM generate_series(1, coalesce(array_length(pairs, 1), 0), 2) AS i
$$;

CREATE FUNCTION her2db_json_step(acc json[], value json) RETURNS json[]
LANGUAGE sql IMMUTABLE AS $$ SELECT array_append(acc, value) $$;
CREATE FUNCTION her2db_json_final(acc json[]) RETURNS text
LANGUAGE sql IMMUTABLE AS $$ SELECT array_to_json(acc)::text $$;
CREATE AGGREGATE json_group_array(json) (
    SFUNC = her2db_json_step, STYPE = json[], FINALFUNC = her2db_json_final, INITCOND = '{}');

-- The caps of `her2db query`: true, or an error once a row or the running total of the result
-- is larger than allowed, so the server stops before sending it.
CREATE FUNCTION her2db_fits(size bigint, max_size bigint, what text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    IF size > max_size THEN
        RAISE EXCEPTION 'her2db: % too large', what USING ERRCODE = 'program_limit_exceeded';
    END IF;
    RETURN true;
END
$$;
