-- Comparisons between arms with provenance, in file order.
SELECT v.*, c.quote
FROM v_comparisons v JOIN comparison c ON c.id = v.comparison_id
WHERE v.study_id = :study_id
ORDER BY v.comparison_id
