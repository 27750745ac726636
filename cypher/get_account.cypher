// One account with the current run's scores (read in one query: meta first).
OPTIONAL MATCH (m:KolgraphMeta {id: 0})
WITH m.current_run AS run
MATCH (a:Account {key: $key})
WITH a, run,
     CASE WHEN a.s0_run = run THEN [a.s0_pagerank, a.s0_community, a.s0_reach, a.s0_tier, a.s0_engagement,
                                a.s0_anomaly, a.s0_spread, a.s0_flags]
          WHEN a.s1_run = run THEN [a.s1_pagerank, a.s1_community, a.s1_reach, a.s1_tier, a.s1_engagement,
                                a.s1_anomaly, a.s1_spread, a.s1_flags]
     END AS s
RETURN a {.key, .platform, .id, .name, .kind, .followers, .cost} AS account,
       CASE WHEN s IS NULL THEN null ELSE run END AS run_id,
       s[0] AS pagerank, s[1] AS community, s[2] AS reach, s[3] AS tier,
       s[4] AS engagement, s[5] AS anomaly, s[6] AS spread, s[7] AS flags
