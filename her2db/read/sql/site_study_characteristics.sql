SELECT v.*, ch.quote
FROM v_characteristics v JOIN characteristic ch ON ch.id = v.characteristic_id
WHERE v.study_id = :study_id
ORDER BY v.characteristic_id
