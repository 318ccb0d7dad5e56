-- Number of rows in each public view (downloads page).
SELECT 'v_studies' AS view, count(*) AS n FROM v_studies
UNION ALL SELECT 'v_arm_results', count(*) FROM v_arm_results
UNION ALL SELECT 'v_comparisons', count(*) FROM v_comparisons
UNION ALL SELECT 'v_adverse_events', count(*) FROM v_adverse_events
UNION ALL SELECT 'v_characteristics', count(*) FROM v_characteristics
UNION ALL SELECT 'v_sources', count(*) FROM v_sources
