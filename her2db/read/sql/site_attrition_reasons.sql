-- Reasons for attrition, as shares of the patients lost to attrition.
SELECT v.*, r.quote, s.acronym
FROM v_arm_results v
JOIN arm_result r ON r.id = v.result_id
JOIN study s ON s.id = v.study_id
WHERE v.endpoint = 'ATTRITION_REASON'
ORDER BY s.acronym, v.result_id
