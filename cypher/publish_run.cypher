// Part of the publish transaction: mark the run published and point the meta node at it.
MATCH (old:RankRun {status: $published})
SET old.status = $superseded
WITH count(old) AS superseded
MATCH (r:RankRun {id: $run_id})
SET r.status = $published, r.finished = $finished, r.counts = $counts, r.timings = $timings,
    r.quality = $quality
WITH r
MERGE (m:KolgraphMeta {id: 0})
  ON CREATE SET m.next_idx = 0, m.epoch = $epoch
SET m.current_run = $run_id
RETURN r.id AS id
