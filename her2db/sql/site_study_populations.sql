SELECT key, label, n, definition, enrolled, notes, source_id, locator, cites, quote
FROM population WHERE study_id = :study_id ORDER BY id
