-- Every study with the columns of the studies index and the labels of its primary endpoints.
SELECT
    v.study_id, v.acronym, v.title, v.kind, v.phase, v.setting, v.line, v.registry_id,
    v.n_enrolled, v.status,
    (SELECT group_concat(label, '; ') FROM (
        SELECT DISTINCT e.label
        FROM study_endpoint se JOIN endpoint e ON e.code = se.endpoint
        WHERE se.study_id = v.study_id AND se.role = 'primary'
        ORDER BY se.id)) AS primary_endpoints,
    (SELECT group_concat(code, '; ') FROM (
        SELECT DISTINCT se.endpoint AS code
        FROM study_endpoint se
        WHERE se.study_id = v.study_id AND se.role = 'primary'
        ORDER BY se.id)) AS primary_codes
FROM v_studies v
ORDER BY v.study_id
