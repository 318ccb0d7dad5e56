SELECT key, label, data_cutoff, median_follow_up_months, notes, source_id, locator, cites, quote
FROM analysis WHERE study_id = :study_id ORDER BY id
