-- The study's references, then every other source its records were read from or cite.
WITH used(source_id, position) AS (
    SELECT source_id, position FROM study_source WHERE study_id = :study_id
    UNION ALL
    SELECT source_id, 1000000 FROM (
        SELECT source_id FROM arm_result WHERE study_id = :study_id
        UNION SELECT cites FROM arm_result WHERE study_id = :study_id
        UNION SELECT source_id FROM comparison WHERE study_id = :study_id
        UNION SELECT cites FROM comparison WHERE study_id = :study_id
        UNION SELECT source_id FROM adverse_event WHERE study_id = :study_id
        UNION SELECT cites FROM adverse_event WHERE study_id = :study_id
        UNION SELECT source_id FROM characteristic WHERE study_id = :study_id
        UNION SELECT cites FROM characteristic WHERE study_id = :study_id
        UNION SELECT source_id FROM arm WHERE study_id = :study_id
        UNION SELECT source_id FROM population WHERE study_id = :study_id
        UNION SELECT source_id FROM analysis WHERE study_id = :study_id
        UNION SELECT source_id FROM study_endpoint WHERE study_id = :study_id) AS provenance
)
SELECT v.*, u.position = 1000000 AS provenance_only
FROM (SELECT source_id, min(position) AS position FROM used GROUP BY source_id) AS u
JOIN v_sources v ON v.source_id = u.source_id
ORDER BY u.position, v.source_id
