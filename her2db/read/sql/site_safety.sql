-- Adverse events of every study that reports them, for the cross-study safety comparison.
SELECT v.*, t.label AS term_label, a.role AS arm_role, ae.quote, s.acronym, s.line
FROM v_adverse_events v
JOIN adverse_event ae ON ae.id = v.adverse_event_id
JOIN ae_term t ON t.term = v.term
JOIN arm a ON a.id = ae.arm_id
JOIN study s ON s.id = v.study_id
ORDER BY s.acronym, v.adverse_event_id
