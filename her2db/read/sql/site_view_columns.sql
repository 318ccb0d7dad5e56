-- The columns of one view, in order, with their declared types.
SELECT cid, name, type FROM pragma_table_info(:view) ORDER BY cid
