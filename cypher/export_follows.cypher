// Follow edges whose source idx lies in [$lo, $hi), as two parallel lists (one record per
// chunk, not one per edge), for the rank job.
MATCH (s:Account)-[:FOLLOWS]->(d:Account)
WHERE s.idx >= $lo AND s.idx < $hi
RETURN collect(s.idx) AS src, collect(d.idx) AS dst
