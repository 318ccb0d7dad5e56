-- PostgreSQL variant of site_views.sql (the catalogue differs; tests keep both in step).
SELECT table_name::text AS name
FROM information_schema.views
WHERE table_schema = current_schema() AND table_name LIKE 'v\_%' ESCAPE '\'
ORDER BY table_name COLLATE "C"
