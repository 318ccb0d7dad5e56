-- Adverse events with the vocabulary label of the term and the arm's role.
SELECT v.*, t.label AS term_label, a.role AS arm_role, ae.quote
FROM v_adverse_events v
JOIN adverse_event ae ON ae.id = v.adverse_event_id
JOIN ae_term t ON t.term = v.term
JOIN arm a ON a.id = ae.arm_id
WHERE v.study_id = :study_id
ORDER BY v.adverse_event_id
