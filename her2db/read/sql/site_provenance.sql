-- How much of each kind of record carries a verbatim quote or names the primary publication.
SELECT 'arm results' AS records, count(*) AS n, count(quote) AS quoted, count(cites) AS cited FROM arm_result
UNION ALL SELECT 'comparisons', count(*), count(quote), count(cites) FROM comparison
UNION ALL SELECT 'adverse events', count(*), count(quote), count(cites) FROM adverse_event
UNION ALL SELECT 'characteristics', count(*), count(quote), count(cites) FROM characteristic
