// One page of job records, newest first.
MATCH (j:Job)
RETURN j {.*} AS job
ORDER BY j.created DESC, j.id DESC
SKIP $offset
LIMIT $limit
