-- Grade ≥3 adverse events by term and arm, most frequent first.
SELECT study_id, arm, term, category, pct, n, n_at_risk, locator
FROM v_adverse_events
WHERE grade = '>=3' AND term <> 'any adverse event' AND pct IS NOT NULL
ORDER BY pct DESC
LIMIT 10
