SELECT endpoint, role, assessor, definition, notes, source_id, locator, cites, quote
FROM study_endpoint WHERE study_id = :study_id ORDER BY id
