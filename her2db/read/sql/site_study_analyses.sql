SELECT key, label, data_cutoff, median_follow_up_months, median_follow_up_months_text, notes, basis, basis_note, source_id, locator, cites, quote
FROM analysis WHERE study_id = :study_id ORDER BY id
