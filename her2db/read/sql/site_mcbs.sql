-- ESMO-MCBS preliminary grades (v_mcbs), one per randomized study, with the study's name.
SELECT m.*, s.acronym, s.setting, s.line
FROM v_mcbs m JOIN v_studies s ON s.study_id = m.study_id
WHERE CAST(:study_id AS TEXT) IS NULL OR m.study_id = :study_id
ORDER BY s.acronym, m.study_id
