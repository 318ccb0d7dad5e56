-- Studies by kind (randomized trial, registry, ...), largest group first.
SELECT kind, count(*) AS n
FROM study
GROUP BY kind
ORDER BY n DESC, kind
