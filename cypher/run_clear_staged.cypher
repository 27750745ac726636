// Remove what a run staged (scores on accounts, its communities and overlaps), in batches of
// $batch; returns how much was removed so the caller loops until 0.
CALL () {
  MATCH (a:Account)
  WHERE a.next_run = $run_id
  WITH a LIMIT $batch
  REMOVE a.next_run, a.next_pagerank, a.next_community, a.next_reach, a.next_tier
  RETURN count(a) AS accounts
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
RETURN accounts + communities + overlaps AS removed
