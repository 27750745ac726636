// Publish: mark the run published and point the meta node at it and its score slot. This is
// the whole publish transaction: the scores were staged before, so it stays small and a
// reader sees the old run or the new one.
MATCH (old:RankRun {status: $published})
SET old.status = $superseded
WITH count(old) AS superseded
MATCH (r:RankRun {id: $run_id})
SET r.status = $published, r.finished = $finished, r.counts = $counts, r.timings = $timings,
    r.quality = $quality
WITH r
MERGE (m:KolgraphMeta {id: 0})
  ON CREATE SET m.next_idx = 0, m.epoch = $epoch
SET m.current_run = $run_id, m.current_slot = r.slot
RETURN r.id AS id
