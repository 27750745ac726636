// Write one task's state (its cursor, progress and status); null fields are removed.
MERGE (t:CrawlTask {crawl_id: $crawl_id, key: $task.key})
SET t += $task
