-- The reports of a data point that the pages do not show as its value: those of other sources
-- than the preferred one, to be named beside it ("also reported as 56.6 by the review").
SELECT record_id, source_id, value_text, ci_low_text, ci_high_text, p_value_text, unit, locator, read_at, quote
FROM v_reports
WHERE NOT preferred
ORDER BY record_id, row_id
