// Apply $changes to a job that is still active (null values remove the property); a final
// record is left as it is. Returns the record as it is afterwards.
MATCH (j:Job {id: $job_id})
FOREACH (_ IN CASE WHEN j.status IN $active THEN [1] ELSE [] END | SET j += $changes)
RETURN j {.*} AS job
