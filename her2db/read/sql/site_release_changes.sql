-- What each release changed since the one before it, removals first (as `her2db release` wrote them).
SELECT version, kind, study_id, record_table, label, detail
FROM release_change
ORDER BY id
