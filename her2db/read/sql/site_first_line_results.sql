-- Whole-population median PFS and OS by arm in the first-line and maintenance trials.
SELECT v.*, r.quote, a.role AS arm_role
FROM v_arm_results v
JOIN arm_result r ON r.id = v.result_id
JOIN arm a ON a.id = r.arm_id
JOIN study s ON s.id = v.study_id
WHERE s.kind = 'randomized trial' AND s.setting = 'metastatic'
  AND s.line IN ('first line', 'first-line maintenance')
  AND v.subgroup IS NULL AND v.category IS NULL AND v.statistic = 'median'
  AND v.endpoint IN ('PFS', 'OS')
ORDER BY v.study_id, v.result_id
