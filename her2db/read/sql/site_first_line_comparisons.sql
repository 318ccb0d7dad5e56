-- Whole-population PFS and OS comparisons of the first-line and maintenance trials.
SELECT v.*, c.quote, s.acronym, s.line
FROM v_comparisons v
JOIN comparison c ON c.id = v.comparison_id
JOIN study s ON s.id = v.study_id
WHERE s.kind = 'randomized trial' AND s.setting = 'metastatic'
  AND s.line IN ('first line', 'first-line maintenance')
  AND v.subgroup IS NULL AND v.endpoint IN ('PFS', 'OS')
ORDER BY s.line, s.acronym, v.comparison_id
