-- Headline counts of what the database holds (home page, methods).
SELECT
    (SELECT count(*) FROM study) AS studies,
    (SELECT count(*) FROM source) AS sources,
    (SELECT count(*) FROM arm) AS arms,
    (SELECT count(*) FROM arm_result) AS results,
    (SELECT count(*) FROM comparison) AS comparisons,
    (SELECT count(*) FROM adverse_event) AS adverse_events,
    (SELECT count(*) FROM characteristic) AS characteristics,
    (SELECT count(*) FROM drug) AS drugs,
    (SELECT count(*) FROM endpoint) AS endpoints
