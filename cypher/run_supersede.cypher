// A new run takes over slot $slot: an older unpublished run staging there is failed
// (it cannot be published any more; its process gets a clear error if it tries).
MATCH (r:RankRun {status: $running, slot: $slot})
SET r.status = $failed, r.finished = $now, r.error = $error
RETURN count(r) AS superseded
