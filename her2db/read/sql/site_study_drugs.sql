-- The distinct drugs of a study's arms, for tags, keywords and links to the drugs page.
SELECT d.id, d.name, d.drug_class, d.synonyms
FROM drug d
WHERE d.id IN (SELECT i.drug_id FROM intervention i JOIN arm a ON a.id = i.arm_id
               WHERE a.study_id = :study_id)
ORDER BY d.name
