// One crawl with its task counts by status (tasks is empty for a crawl with no tasks).
MATCH (c:Crawl {id: $crawl_id})
OPTIONAL MATCH (t:CrawlTask {crawl_id: $crawl_id})
WITH c, t.status AS status, count(t) AS n
RETURN c {.*} AS crawl,
       [x IN collect({status: status, n: n}) WHERE x.status IS NOT NULL] AS tasks
