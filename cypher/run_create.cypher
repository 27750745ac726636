// A new rank run in status $status (running) that stages its scores in slot $slot (0 or 1).
// The unique constraint on id rejects reuse.
CREATE (r:RankRun {id: $run_id, status: $status, started: $started, seq: $seq, slot: $slot,
                   params: $params, counts: $empty_map, timings: $empty_map,
                   quality: $empty_map})
RETURN r.id AS id
