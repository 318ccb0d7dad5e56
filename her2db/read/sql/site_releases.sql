-- Data releases, newest first (YYYY.MM sorts as text).
SELECT version, date, studies, results, comparisons, adverse_events, notes, changes_since, doi
FROM release
ORDER BY version DESC
