-- Every number from one primary publication, Tolaney 2025 (DESTINY-Breast09).
-- A number is from it when read from it, or cited for it by the source it was read from.
-- Change the id below to ask about another publication.
WITH publication(id) AS (VALUES ('tolaney-2025'))
SELECT 'v_arm_results' AS view, result_id AS row_id, study_id, endpoint AS what, arm AS arms,
       statistic AS kind, value, unit, source_id, cites, locator
FROM v_arm_results WHERE source_id IN (SELECT id FROM publication) OR cites IN (SELECT id FROM publication)
UNION ALL
SELECT 'v_comparisons', comparison_id, study_id, endpoint, experimental_arm || ' vs ' || control_arm,
       measure, estimate, NULL, source_id, cites, locator
FROM v_comparisons WHERE source_id IN (SELECT id FROM publication) OR cites IN (SELECT id FROM publication)
UNION ALL
SELECT 'v_adverse_events', adverse_event_id, study_id, term, arm, category || ', grade ' || grade,
       pct, '%', source_id, cites, locator
FROM v_adverse_events WHERE source_id IN (SELECT id FROM publication) OR cites IN (SELECT id FROM publication)
UNION ALL
SELECT 'v_characteristics', characteristic_id, study_id, characteristic, arm, statistic,
       value, unit, source_id, cites, locator
FROM v_characteristics WHERE source_id IN (SELECT id FROM publication) OR cites IN (SELECT id FROM publication)
ORDER BY view, row_id
