-- Every source with the studies that list it and the number of records read from or citing it.
SELECT v.*,
       (SELECT json_group_array(json_object('id', id, 'acronym', acronym)) FROM (
            SELECT s.id, s.acronym FROM study_source ss JOIN study s ON s.id = ss.study_id
            WHERE ss.source_id = v.source_id ORDER BY s.acronym) AS listing) AS studies,
       (SELECT count(*) FROM arm_result WHERE source_id = v.source_id)
     + (SELECT count(*) FROM comparison WHERE source_id = v.source_id)
     + (SELECT count(*) FROM adverse_event WHERE source_id = v.source_id)
     + (SELECT count(*) FROM characteristic WHERE source_id = v.source_id) AS read_from,
       (SELECT count(*) FROM arm_result WHERE cites = v.source_id)
     + (SELECT count(*) FROM comparison WHERE cites = v.source_id)
     + (SELECT count(*) FROM adverse_event WHERE cites = v.source_id)
     + (SELECT count(*) FROM characteristic WHERE cites = v.source_id) AS cited_by
FROM v_sources v
ORDER BY v.year IS NULL, v.year, v.source_id
