// Add newly discovered tasks; a task already in the crawl is left as it is.
// rows: [{key, kind, target, depth, priority, seq, status, ...}]
UNWIND $rows AS row
MERGE (t:CrawlTask {crawl_id: $crawl_id, key: row.key})
  ON CREATE SET t += row
