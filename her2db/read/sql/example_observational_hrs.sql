-- Hazard ratios between groups that were not randomized (registries, cohorts): associations, not treatment effects.
SELECT s.acronym, s.kind, c.endpoint, c.subgroup, c.experimental_arm AS group_compared,
       c.control_arm AS reference_group, c.estimate AS hr, c.ci_low, c.ci_high, c.source_id, c.locator
FROM v_comparisons c
JOIN v_studies s ON s.study_id = c.study_id
WHERE s.kind <> 'randomized trial' AND c.measure = 'HR'
ORDER BY s.acronym, c.endpoint
