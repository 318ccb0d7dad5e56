-- Randomized trials of first-line or first-line maintenance therapy for metastatic disease.
SELECT id AS study_id, acronym, line, phase
FROM study
WHERE kind = 'randomized trial' AND setting = 'metastatic'
  AND line IN ('first line', 'first-line maintenance')
ORDER BY line, acronym
