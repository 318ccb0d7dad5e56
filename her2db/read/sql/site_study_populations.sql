SELECT key, label, n, definition, enrolled, notes, source_id, locator, cites, quote, basis, basis_note
FROM population WHERE study_id = :study_id ORDER BY id
