// Repost edges whose source idx lies in [$lo, $hi), between accounts with idx < $n, as
// parallel lists.
MATCH (s:Account)-[e:REPOSTED]->(d:Account)
WHERE s.idx >= $lo AND s.idx < $hi AND s.idx < $n AND d.idx < $n
RETURN collect(s.idx) AS src, collect(d.idx) AS dst, collect(e.at) AS ts,
       collect(coalesce(e.weight, 1.0)) AS weight
