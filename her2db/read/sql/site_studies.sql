-- Every study with the columns of the studies index and its primary endpoints.
SELECT
    v.study_id, v.acronym, v.title, v.kind, v.phase, v.setting, v.line, v.registry_id,
    v.n_enrolled, v.status,
    (SELECT json_group_array(json_object('code', code, 'label', label)) FROM (
        SELECT e.code, e.label
        FROM study_endpoint se JOIN endpoint e ON e.code = se.endpoint
        WHERE se.study_id = v.study_id AND se.role = 'primary'
        GROUP BY e.code, e.label
        ORDER BY min(se.id)) AS primary_endpoint) AS primary_endpoints
FROM v_studies v
ORDER BY v.study_id
