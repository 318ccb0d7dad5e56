-- Every preferred comparison as v_comparisons shows it, with the record ids of its population and arms
-- (the FHIR export's EvidenceVariables) and the study's acronym.
SELECT v.*, s.acronym, p.record_id AS population_record, e.record_id AS experimental_record,
       k.record_id AS control_record
FROM v_comparisons v
JOIN comparison c ON c.id = v.comparison_id
JOIN study s ON s.id = v.study_id
JOIN arm e ON e.id = c.experimental_arm_id
JOIN arm k ON k.id = c.control_arm_id
LEFT JOIN population p ON p.id = c.population_id
ORDER BY v.comparison_id
