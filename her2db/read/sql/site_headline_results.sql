-- Whole-population results, primary endpoints first: the headline of studies without a comparison.
SELECT r.study_id, r.endpoint, e.label AS endpoint_label, r.arm, r.statistic, r.value, r.unit,
       r.ci_low, r.ci_high, r.timepoint_months, r.n, r.denominator, r.not_reached,
       r.not_estimable, r.source_id, r.locator, r.cites, ar.quote, r.record_id, r.checked_by, r.checked_on, r.read_at, r.value_text, r.qualifier,
       r.value_upper_text, r.ci_low_text, r.ci_high_text, r.ci_level, r.basis, r.basis_note, r.notes,
       EXISTS (SELECT 1 FROM study_endpoint se WHERE se.study_id = r.study_id
               AND se.endpoint = r.endpoint AND se.role = 'primary') AS is_primary
FROM v_arm_results r
JOIN arm_result ar ON ar.id = r.result_id
JOIN endpoint e ON e.code = r.endpoint
WHERE r.subgroup IS NULL AND r.category IS NULL
ORDER BY r.study_id, is_primary DESC, r.result_id
