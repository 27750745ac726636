// Follow edges whose source idx lies in [$lo, $hi), between accounts with idx < $n (the
// node count read before), as two parallel lists: one record per chunk, not per edge.
MATCH (s:Account)-[:FOLLOWS]->(d:Account)
WHERE s.idx >= $lo AND s.idx < $hi AND s.idx < $n AND d.idx < $n
RETURN collect(s.idx) AS src, collect(d.idx) AS dst
