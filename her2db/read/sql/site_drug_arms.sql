-- Which study arm uses which drug.
SELECT i.drug_id, s.id AS study_id, s.acronym, a.label AS arm, a.role
FROM intervention i
JOIN arm a ON a.id = i.arm_id
JOIN study s ON s.id = a.study_id
ORDER BY i.drug_id, s.acronym, a.id
