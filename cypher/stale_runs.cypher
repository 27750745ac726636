// Communities and overlaps of runs other than the current one (cleaned after a publish).
MATCH (m:KolgraphMeta {id: 0})
CALL (m) {
  MATCH (c:Community)
  WHERE c.run_id <> m.current_run
  WITH c LIMIT $batch
  DETACH DELETE c
  RETURN count(*) AS communities
}
CALL (m) {
  MATCH ()-[o:OVERLAPS]->()
  WHERE o.run_id <> m.current_run
  WITH o LIMIT $batch
  DELETE o
  RETURN count(*) AS overlaps
}
RETURN communities + overlaps AS removed
