-- Hazard ratios in the hormone-receptor-positive subgroup, across trials and endpoints.
SELECT study_id, endpoint, subgroup, estimate AS hr, ci_low, ci_high, locator
FROM v_comparisons
WHERE measure = 'HR' AND subgroup_category = 'hormone receptor status'
  AND subgroup LIKE 'HR-pos%'
ORDER BY study_id, endpoint
