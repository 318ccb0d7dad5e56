-- Per-arm results with provenance, in file order.
SELECT v.*, r.ci_level, r.quote
FROM v_arm_results v JOIN arm_result r ON r.id = v.result_id
WHERE v.study_id = :study_id
ORDER BY v.result_id
