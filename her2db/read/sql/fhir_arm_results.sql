-- Every preferred arm result as v_arm_results shows it, with the record ids of its population and arm
-- (the FHIR export's EvidenceVariables) and the study's acronym.
SELECT v.*, s.acronym, p.record_id AS population_record, a.record_id AS arm_record
FROM v_arm_results v
JOIN arm_result r ON r.id = v.result_id
JOIN study s ON s.id = v.study_id
JOIN arm a ON a.id = r.arm_id
LEFT JOIN population p ON p.id = r.population_id
ORDER BY v.result_id
