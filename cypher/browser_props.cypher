// After a publish: copy the current run's scores into the plain properties analysts style in
// Neo4j Browser (pagerank, community, reach, tier, engagement, anomaly, spread, flags, rank_run), $batch accounts at a time.
// Stops by itself if a newer run is published meanwhile. kolgraph's own reads use the slots.
MATCH (m:KolgraphMeta {id: 0})
WHERE m.current_run = $run_id
MATCH (a:Account)
WHERE (a.s0_run = $run_id OR a.s1_run = $run_id) AND coalesce(a.rank_run <> $run_id, true)
WITH a LIMIT $batch
SET a.pagerank = CASE WHEN a.s0_run = $run_id THEN a.s0_pagerank ELSE a.s1_pagerank END,
    a.community = CASE WHEN a.s0_run = $run_id THEN a.s0_community ELSE a.s1_community END,
    a.reach = CASE WHEN a.s0_run = $run_id THEN a.s0_reach ELSE a.s1_reach END,
    a.tier = CASE WHEN a.s0_run = $run_id THEN a.s0_tier ELSE a.s1_tier END,
    a.engagement = CASE WHEN a.s0_run = $run_id THEN a.s0_engagement ELSE a.s1_engagement END,
    a.anomaly = CASE WHEN a.s0_run = $run_id THEN a.s0_anomaly ELSE a.s1_anomaly END,
    a.spread = CASE WHEN a.s0_run = $run_id THEN a.s0_spread ELSE a.s1_spread END,
    a.flags = CASE WHEN a.s0_run = $run_id THEN a.s0_flags ELSE a.s1_flags END,
    a.rank_run = $run_id
RETURN count(a) AS n
