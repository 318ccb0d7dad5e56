-- Attrition after first-line therapy: one row per study and cohort, percentages as stored.
SELECT study_id, population, arm AS cohort, statistic, value, unit, n, denominator, locator
FROM v_arm_results
WHERE endpoint = 'ATTRITION'
ORDER BY value DESC
