// Remove what a run staged (its score slot values, communities and overlaps), in batches of
// $batch; returns how much was removed so the caller loops until 0.
CALL () {
  MATCH (a:Account)
  WHERE a.s0_run = $run_id
  WITH a LIMIT $batch
  REMOVE a.s0_run, a.s0_pagerank, a.s0_community, a.s0_reach, a.s0_tier, a.s0_engagement,
         a.s0_anomaly, a.s0_spread, a.s0_flags
  RETURN count(a) AS slot0
}
CALL () {
  MATCH (a:Account)
  WHERE a.s1_run = $run_id
  WITH a LIMIT $batch
  REMOVE a.s1_run, a.s1_pagerank, a.s1_community, a.s1_reach, a.s1_tier, a.s1_engagement,
         a.s1_anomaly, a.s1_spread, a.s1_flags
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
CALL () {
  MATCH (x:RunArtifact {run_id: $run_id})
  WITH x LIMIT $batch
  DELETE x
  RETURN count(*) AS artifacts
}
RETURN slot0 + slot1 + communities + overlaps + artifacts AS removed
