// A crawl's tasks (all when $status is null), in frontier order.
MATCH (t:CrawlTask {crawl_id: $crawl_id})
WHERE $status IS NULL OR t.status = $status
RETURN t {.*} AS task
ORDER BY t.depth, t.priority DESC, t.seq
