-- Arms with their drugs in regimen order.
SELECT a.key, a.label, a.role, a.regimen, a.n_randomized, a.n_treated, a.notes,
       a.source_id, a.locator, a.cites, a.quote, a.basis, a.basis_note,
       (SELECT json_group_array(json_object('id', id, 'name', name)) FROM (
            SELECT d.id, d.name FROM intervention i JOIN drug d ON d.id = i.drug_id
            WHERE i.arm_id = a.id ORDER BY i.position) AS regimen) AS drugs
FROM arm a WHERE a.study_id = :study_id ORDER BY a.id
