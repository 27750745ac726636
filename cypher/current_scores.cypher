// Scores of the current run, one row per scored account.
MATCH (m:KolgraphMeta {id: 0})
WITH m.current_run AS run, m.current_slot AS slot
MATCH (a:Account)
WHERE (slot = 0 AND a.s0_run = run) OR (slot = 1 AND a.s1_run = run)
RETURN a.idx AS idx,
       CASE slot WHEN 0 THEN a.s0_pagerank ELSE a.s1_pagerank END AS pagerank,
       CASE slot WHEN 0 THEN a.s0_community ELSE a.s1_community END AS community,
       CASE slot WHEN 0 THEN a.s0_reach ELSE a.s1_reach END AS audience,
       CASE slot WHEN 0 THEN a.s0_tier ELSE a.s1_tier END AS tier,
       CASE slot WHEN 0 THEN a.s0_engagement ELSE a.s1_engagement END AS engagement,
       CASE slot WHEN 0 THEN a.s0_anomaly ELSE a.s1_anomaly END AS anomaly,
       CASE slot WHEN 0 THEN a.s0_spread ELSE a.s1_spread END AS spread,
       CASE slot WHEN 0 THEN a.s0_flags ELSE a.s1_flags END AS flags
