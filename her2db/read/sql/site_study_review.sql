-- How many of a study's reports (every numeric record, every source) a second curator checked.
SELECT count(*) AS records, count(checked_by) AS checked,
       count(DISTINCT record_id) AS data_points, sum(CASE WHEN preferred THEN 0 ELSE 1 END) AS other_reports
FROM v_reports WHERE study_id = :study_id
