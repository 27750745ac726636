// One page of accounts with the current run's scores. Filters are null when unused. The
// sort key is a score ($score: pagerank, reach) read from the current run's slot, or a plain
// property ($prop: followers, cost, key); the other of the two is null. Nulls sort last.
OPTIONAL MATCH (m:KolgraphMeta {id: 0})
WITH m.current_run AS run
MATCH (a:Account)
WHERE ($kind IS NULL OR a.kind = $kind)
  AND ($platform IS NULL OR a.platform = $platform)
  AND ($community IS NULL OR CASE WHEN a.s0_run = run THEN a.s0_community WHEN a.s1_run = run THEN a.s1_community END = $community)
WITH a, run,
     CASE WHEN a.s0_run = run THEN [a.s0_pagerank, a.s0_community, a.s0_reach, a.s0_tier, a.s0_engagement,
                                a.s0_anomaly, a.s0_spread, a.s0_flags]
          WHEN a.s1_run = run THEN [a.s1_pagerank, a.s1_community, a.s1_reach, a.s1_tier, a.s1_engagement,
                                a.s1_anomaly, a.s1_spread, a.s1_flags]
     END AS s
WITH a, run, s,
     CASE WHEN $score IS NULL THEN a[$prop]
          WHEN $score = $reach THEN s[2]
          ELSE s[0] END AS v
ORDER BY v IS NULL, v DESC, a.idx
SKIP $offset LIMIT $limit
RETURN a {.key, .platform, .id, .name, .kind, .followers, .cost} AS account,
       CASE WHEN s IS NULL THEN null ELSE run END AS run_id,
       s[0] AS pagerank, s[1] AS community, s[2] AS reach, s[3] AS tier,
       s[4] AS engagement, s[5] AS anomaly, s[6] AS spread, s[7] AS flags
