-- Headline counts of what the database holds (home page, methods): data points as the views show
-- them (one preferred report each), and how many further reports of them other sources give.
SELECT
    (SELECT count(*) FROM study) AS studies,
    (SELECT count(*) FROM source) AS sources,
    (SELECT count(*) FROM arm) AS arms,
    (SELECT count(*) FROM v_arm_results) AS results,
    (SELECT count(*) FROM v_comparisons) AS comparisons,
    (SELECT count(*) FROM v_adverse_events) AS adverse_events,
    (SELECT count(*) FROM v_characteristics) AS characteristics,
    (SELECT count(*) FROM v_reports WHERE NOT preferred) AS other_reports,
    (SELECT count(*) FROM drug) AS drugs,
    (SELECT count(*) FROM endpoint) AS endpoints
