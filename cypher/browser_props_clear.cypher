// After a publish: accounts the current run did not score lose the plain score properties.
MATCH (m:KolgraphMeta {id: 0})
WHERE m.current_run = $run_id
MATCH (a:Account)
WHERE a.rank_run IS NOT NULL AND a.rank_run <> $run_id
  AND NOT coalesce(a.s0_run = $run_id, false) AND NOT coalesce(a.s1_run = $run_id, false)
WITH a LIMIT $batch
REMOVE a.pagerank, a.community, a.reach, a.tier, a.engagement, a.anomaly, a.spread, a.flags,
       a.rank_run
RETURN count(a) AS n
