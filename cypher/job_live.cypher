// The oldest active job of a kind with a heartbeat at or after $live_after (a live one).
MATCH (j:Job {kind: $kind})
WHERE j.status IN $active AND j.heartbeat >= $live_after
RETURN j.id AS id
ORDER BY j.created
LIMIT 1
