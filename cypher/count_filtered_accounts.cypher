// How many accounts match the filters of list_accounts_*.
OPTIONAL MATCH (m:KolgraphMeta {id: 0})
WITH m.current_run AS run
MATCH (a:Account)
WHERE ($kind IS NULL OR a.kind = $kind)
  AND ($platform IS NULL OR a.platform = $platform)
  AND ($community IS NULL OR CASE WHEN a.s0_run = run THEN a.s0_community WHEN a.s1_run = run THEN a.s1_community END = $community)
RETURN count(a) AS n
