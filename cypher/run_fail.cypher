MATCH (r:RankRun {id: $run_id})
WHERE r.status = $running
SET r.status = $failed, r.finished = $finished, r.error = $error
RETURN r.id AS id
