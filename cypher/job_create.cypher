// Keep a new job record (null fields are not stored); the id is unique.
CREATE (j:Job)
SET j = $job
RETURN j {.*} AS job
