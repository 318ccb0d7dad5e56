-- The populations and arms of every study (preferred reports), the FHIR export's EvidenceVariables.
SELECT 'population' AS kind, p.study_id, s.acronym, p.record_id, p.label, p.definition, p.n, NULL AS role,
       p.source_id, p.locator, p.quote
FROM population p JOIN study s ON s.id = p.study_id
WHERE p.preferred
UNION ALL
SELECT 'arm' AS kind, a.study_id, s.acronym, a.record_id, a.label, a.regimen, a.n_randomized, a.role,
       a.source_id, a.locator, a.quote
FROM arm a JOIN study s ON s.id = a.study_id
WHERE a.preferred
ORDER BY 1, 2, 4
