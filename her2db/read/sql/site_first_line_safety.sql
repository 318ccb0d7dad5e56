-- "Any adverse event" at grade >= 3 by arm in the first-line and maintenance trials.
SELECT v.*, t.label AS term_label, a.role AS arm_role, ae.quote
FROM v_adverse_events v
JOIN adverse_event ae ON ae.id = v.adverse_event_id
JOIN ae_term t ON t.term = v.term
JOIN arm a ON a.id = ae.arm_id
JOIN study s ON s.id = v.study_id
WHERE s.kind = 'randomized trial' AND s.setting = 'metastatic'
  AND s.line IN ('first line', 'first-line maintenance')
  AND v.term = 'any adverse event' AND v.grade IN ('>=3', '3-4')
ORDER BY v.study_id, v.adverse_event_id
