// Repost edges with their keys and details, source idx in [$lo, $hi), in a stable order.
MATCH (s:Account)-[e:REPOSTED]->(d:Account)
WHERE s.idx >= $lo AND s.idx < $hi
RETURN s.key AS src, d.key AS dst, e.post_id AS post_id, e.at AS ts, e.action AS action,
       coalesce(e.weight, 1.0) AS weight
ORDER BY s.idx, d.idx, e.at, e.post_id, e.action
