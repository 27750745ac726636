// Follow edges with their keys, source idx in [$lo, $hi), in a stable order.
MATCH (s:Account)-[:FOLLOWS]->(d:Account)
WHERE s.idx >= $lo AND s.idx < $hi
RETURN s.key AS src, d.key AS dst
ORDER BY s.idx, d.idx
