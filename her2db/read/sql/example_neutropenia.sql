-- Grade ≥3 neutropenia by arm across trials, as each trial reports it.
SELECT study_id, arm, category, grade, n, pct, n_at_risk, source_id, locator
FROM v_adverse_events
WHERE term = 'neutropenia' AND grade IN ('>=3', '3-4')
ORDER BY study_id, arm, category, grade
