-- The public views (the analysts' contract): every view whose name starts with v_.
SELECT name FROM sqlite_master WHERE type = 'view' AND name LIKE 'v\_%' ESCAPE '\' ORDER BY name
