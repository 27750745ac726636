// Mark interrupted every active job whose heartbeat is older than $live_after (the process
// running it stopped); return how many.
MATCH (j:Job)
WHERE j.status IN $active AND j.heartbeat < $live_after
SET j.status = $interrupted, j.finished = $now, j.error = $error
RETURN count(j) AS n
