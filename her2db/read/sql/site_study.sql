-- One study with everything the header of its page shows.
SELECT s.*, v.n_enrolled
FROM study s JOIN v_studies v ON v.study_id = s.id
WHERE s.id = :study_id
