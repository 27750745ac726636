// Remove what a run staged (its score slot values, communities and overlaps), in batches of
// $batch; returns how much was removed so the caller loops until 0.
CALL () {
  MATCH (a:Account)
  WHERE a.s0_run = $run_id
  WITH a LIMIT $batch
  REMOVE a.s0_run, a.s0_pagerank, a.s0_community, a.s0_reach, a.s0_tier
  RETURN count(a) AS slot0
}
CALL () {
  MATCH (a:Account)
  WHERE a.s1_run = $run_id
  WITH a LIMIT $batch
  REMOVE a.s1_run, a.s1_pagerank, a.s1_community, a.s1_reach, a.s1_tier
  RETURN count(a) AS slot1
}
CALL () {
  MATCH (c:Community {run_id: $run_id})
  WITH c LIMIT $batch
  DETACH DELETE c
  RETURN count(*) AS communities
}
CALL () {
  MATCH ()-[o:OVERLAPS {run_id: $run_id}]->()
  WITH o LIMIT $batch
  DELETE o
  RETURN count(*) AS overlaps
}
RETURN slot0 + slot1 + communities + overlaps AS removed
