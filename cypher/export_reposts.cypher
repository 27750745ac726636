// Repost edges whose source idx lies in [$lo, $hi), as parallel lists.
MATCH (s:Account)-[e:REPOSTED]->(d:Account)
WHERE s.idx >= $lo AND s.idx < $hi
RETURN collect(s.idx) AS src, collect(d.idx) AS dst, collect(e.at) AS ts,
       collect(coalesce(e.weight, 1.0)) AS weight
