// Scores of run $run_id from whichever score slot still holds it.
MATCH (a:Account)
WHERE a.s0_run = $run_id OR a.s1_run = $run_id
RETURN a.idx AS idx,
       CASE WHEN a.s0_run = $run_id THEN a.s0_pagerank ELSE a.s1_pagerank END AS pagerank,
       CASE WHEN a.s0_run = $run_id THEN a.s0_community ELSE a.s1_community END AS community,
       CASE WHEN a.s0_run = $run_id THEN a.s0_reach ELSE a.s1_reach END AS audience,
       CASE WHEN a.s0_run = $run_id THEN a.s0_tier ELSE a.s1_tier END AS tier,
       CASE WHEN a.s0_run = $run_id THEN a.s0_engagement ELSE a.s1_engagement END AS engagement,
       CASE WHEN a.s0_run = $run_id THEN a.s0_anomaly ELSE a.s1_anomaly END AS anomaly,
       CASE WHEN a.s0_run = $run_id THEN a.s0_spread ELSE a.s1_spread END AS spread,
       CASE WHEN a.s0_run = $run_id THEN a.s0_flags ELSE a.s1_flags END AS flags
