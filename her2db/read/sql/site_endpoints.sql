-- The endpoint vocabulary with the number of studies that report each endpoint.
SELECT e.code, e.label, e.definition,
       (SELECT count(DISTINCT study_id) FROM (
            SELECT study_id FROM study_endpoint WHERE endpoint = e.code
            UNION SELECT study_id FROM arm_result WHERE endpoint = e.code
            UNION SELECT study_id FROM comparison WHERE endpoint = e.code) AS reporting) AS studies
FROM endpoint e
ORDER BY e.position
