// Stored overlaps of the current run among $keys.
MATCH (m:KolgraphMeta {id: 0})
MATCH (a:Account)-[o:OVERLAPS]->(b:Account)
WHERE a.key IN $keys AND b.key IN $keys AND o.run_id = m.current_run
RETURN a.key AS a, b.key AS b, o.shared AS shared, o.jaccard AS jaccard
