// One job record.
MATCH (j:Job {id: $job_id})
RETURN j {.*} AS job
