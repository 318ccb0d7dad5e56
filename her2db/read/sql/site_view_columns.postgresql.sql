-- PostgreSQL variant of site_view_columns.sql, with the type names SQLite declares
-- (tests keep both in step).
SELECT ordinal_position::integer - 1 AS cid, column_name::text AS name,
       CASE data_type WHEN 'character varying' THEN 'VARCHAR' WHEN 'integer' THEN 'INTEGER'
                      WHEN 'double precision' THEN 'FLOAT' WHEN 'boolean' THEN 'BOOLEAN'
                      ELSE '' END AS type
FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = :view
ORDER BY ordinal_position
