-- PFS hazard ratios of every randomized trial: the randomized comparison, whole population, with where each was read.
-- Registries and cohorts compare groups that were not randomized: see "Hazard ratios between groups that were not randomized".
SELECT s.acronym, s.line, c.experimental_arm, c.control_arm, c.estimate AS hr,
       c.ci_low, c.ci_high, c.p_operator, c.p_value, c.source_id, c.locator
FROM v_comparisons c
JOIN v_studies s ON s.study_id = c.study_id
WHERE s.kind = 'randomized trial' AND c.endpoint = 'PFS' AND c.measure = 'HR' AND c.subgroup IS NULL
ORDER BY s.line, c.estimate
