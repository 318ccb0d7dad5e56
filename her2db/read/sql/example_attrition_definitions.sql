-- Attrition after first-line therapy beside each study's own definition of it.
SELECT r.study_id, r.arm AS cohort, r.value, r.unit, r.n, r.denominator, d.definition, r.locator
FROM v_arm_results r
JOIN v_study_endpoints d ON d.study_id = r.study_id AND d.endpoint = 'ATTRITION'
WHERE r.endpoint = 'ATTRITION'
ORDER BY r.study_id, r.arm, r.result_id
