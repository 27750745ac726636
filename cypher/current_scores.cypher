// Scores of the current run, one row per scored account.
MATCH (m:KolgraphMeta {id: 0})
MATCH (a:Account)
WHERE a.rank_run = m.current_run
RETURN a.idx AS idx, a.pagerank AS pagerank, a.community AS community, a.reach AS audience,
       a.tier AS tier
