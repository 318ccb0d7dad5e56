-- Endpoints the study reports or defines, in vocabulary order, with the study's own definitions.
SELECT e.code, e.label, e.definition AS general_definition, e.position
FROM endpoint e
WHERE e.code IN (SELECT endpoint FROM study_endpoint WHERE study_id = :study_id
                 UNION SELECT endpoint FROM arm_result WHERE study_id = :study_id
                 UNION SELECT endpoint FROM comparison WHERE study_id = :study_id)
ORDER BY e.position
