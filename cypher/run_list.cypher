MATCH (r:RankRun)
RETURN r {.*} AS run
ORDER BY r.started DESC, r.seq DESC
LIMIT $limit
