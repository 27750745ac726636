// Forget a crawl's state: its :CrawlTask nodes (even if its :Crawl node is gone) and its
// :Crawl node; the edges it produced stay.
OPTIONAL MATCH (t:CrawlTask {crawl_id: $crawl_id})
DETACH DELETE t
WITH count(*) AS n
OPTIONAL MATCH (c:Crawl {id: $crawl_id})
DETACH DELETE c
