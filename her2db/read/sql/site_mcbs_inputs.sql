-- The preferred reports the ESMO-MCBS grades were computed from, with their provenance (for
-- each input's panel): hazard ratios, then medians.
SELECT c.record_id, c.study_id, c.estimate_text AS value_text, c.ci_low_text, c.ci_high_text,
       c.source_id, c.locator, c.cites, c.quote, c.read_at, c.basis, c.basis_note, c.notes,
       c.checked_by, c.checked_on, 1 AS part, c.comparison_id AS row_id
FROM v_comparisons c
WHERE c.record_id IN (SELECT hr_record_id FROM v_mcbs)
  AND (CAST(:study_id AS TEXT) IS NULL OR c.study_id = :study_id)
UNION ALL
SELECT r.record_id, r.study_id, r.value_text, r.ci_low_text, r.ci_high_text,
       r.source_id, r.locator, r.cites, r.quote, r.read_at, r.basis, r.basis_note, r.notes,
       r.checked_by, r.checked_on, 2, r.result_id
FROM v_arm_results r
WHERE r.record_id IN (SELECT control_record_id FROM v_mcbs UNION SELECT experimental_record_id FROM v_mcbs)
  AND (CAST(:study_id AS TEXT) IS NULL OR r.study_id = :study_id)
ORDER BY part, row_id
