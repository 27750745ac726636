// Communities, overlaps and artifacts of runs that are neither current nor still running (cleaned after
// a publish), $batch at a time.
MATCH (m:KolgraphMeta {id: 0})
CALL (m) {
  MATCH (c:Community)
  WHERE c.run_id <> m.current_run
    AND NOT EXISTS { MATCH (:RankRun {id: c.run_id, status: $running}) }
  WITH c LIMIT $batch
  DETACH DELETE c
  RETURN count(*) AS communities
}
CALL (m) {
  MATCH ()-[o:OVERLAPS]->()
  WHERE o.run_id <> m.current_run
    AND NOT EXISTS { MATCH (:RankRun {id: o.run_id, status: $running}) }
  WITH o LIMIT $batch
  DELETE o
  RETURN count(*) AS overlaps
}
CALL (m) {
  MATCH (x:RunArtifact)
  WHERE x.run_id <> m.current_run
    AND NOT EXISTS { MATCH (:RankRun {id: x.run_id, status: $running}) }
  WITH x LIMIT $batch
  DELETE x
  RETURN count(*) AS artifacts
}
RETURN communities + overlaps + artifacts AS removed
