// One page of accounts. Filters are null when unused; $prop is the sort property, picked
// from a whitelist (pagerank, followers, reach, cost, key); $scored says whether it is a
// rank score (then it only counts for accounts of the current run). Nulls sort last.
OPTIONAL MATCH (m:KolgraphMeta {id: 0})
WITH m.current_run AS run
MATCH (a:Account)
WHERE ($kind IS NULL OR a.kind = $kind)
  AND ($platform IS NULL OR a.platform = $platform)
  AND ($community IS NULL OR (a.rank_run = run AND a.community = $community))
WITH a, run, CASE WHEN $scored AND coalesce(a.rank_run = run, false) = false THEN null
                  ELSE a[$prop] END AS v
ORDER BY v IS NULL, v DESC, a.idx
SKIP $offset LIMIT $limit
RETURN a {.*} AS account, run AS current_run
