SELECT key, category, level, n, notes, source_id, locator, cites, quote, basis, basis_note
FROM subgroup WHERE study_id = :study_id ORDER BY id
