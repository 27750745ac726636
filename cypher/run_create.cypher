// A new rank run in status $status (running). The unique constraint on id rejects reuse.
CREATE (r:RankRun {id: $run_id, status: $status, started: $started, seq: $seq,
                   params: $params, counts: $empty_map, timings: $empty_map,
                   quality: $empty_map})
RETURN r.id AS id
