-- Every record of a study (preferred reports) with what it is and its printed value: the
-- permalinks of the study page, one anchor per record id.
SELECT record_id, endpoint || ' ' || statistic AS what, value_text AS printed, qualifier
FROM arm_result WHERE study_id = :study_id AND preferred
UNION ALL
SELECT record_id, endpoint || ' ' || measure, estimate_text, NULL
FROM comparison WHERE study_id = :study_id AND preferred
UNION ALL
SELECT record_id, term || ' (' || category || ', grade ' || grade || ')', pct_text, qualifier
FROM adverse_event WHERE study_id = :study_id AND preferred
UNION ALL
SELECT record_id, name, value_text, qualifier
FROM characteristic WHERE study_id = :study_id AND preferred
ORDER BY 1
