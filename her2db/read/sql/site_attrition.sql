-- Attrition and progression to the next line, with each study's own endpoint definition.
SELECT v.*, r.quote, s.acronym, s.kind, e.label AS endpoint_label,
       (SELECT group_concat(definition, ' / ') FROM study_endpoint se
        WHERE se.study_id = v.study_id AND se.endpoint = v.endpoint
          AND se.definition IS NOT NULL) AS definition,
       (SELECT p.definition FROM population p WHERE p.id = r.population_id) AS population_definition,
       coalesce(v.denominator, (SELECT p.n FROM population p WHERE p.id = r.population_id),
                a.n_randomized, a.n_treated) AS patients
FROM v_arm_results v
JOIN arm_result r ON r.id = v.result_id
JOIN arm a ON a.id = r.arm_id
JOIN study s ON s.id = v.study_id
JOIN endpoint e ON e.code = v.endpoint
WHERE v.endpoint IN ('ATTRITION', 'NEXT_LINE')
ORDER BY v.endpoint, s.acronym, v.result_id
