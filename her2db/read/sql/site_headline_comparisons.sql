-- Whole-population comparisons, primary endpoints first: candidates for a study's headline.
SELECT c.study_id, c.endpoint, e.label AS endpoint_label, c.measure, c.estimate, c.ci_low, c.ci_high, c.ci_level,
       c.p_value, c.p_operator, c.experimental_arm, c.control_arm, c.analysis,
       c.source_id, c.locator, c.cites, cm.quote, c.record_id, c.checked_by, c.checked_on, c.read_at, c.estimate_text, c.ci_low_text, c.ci_high_text,
       c.p_value_text, c.population, c.basis, c.basis_note, c.notes, s.kind AS study_kind,
       EXISTS (SELECT 1 FROM study_endpoint se WHERE se.study_id = c.study_id
               AND se.endpoint = c.endpoint AND se.role = 'primary') AS is_primary
FROM v_comparisons c
JOIN comparison cm ON cm.id = c.comparison_id
JOIN endpoint e ON e.code = c.endpoint
JOIN study s ON s.id = c.study_id
WHERE c.subgroup IS NULL
ORDER BY c.study_id, is_primary DESC, c.comparison_id
