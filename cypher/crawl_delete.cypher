// Forget a crawl's state: its :Crawl node and its :CrawlTask nodes (edges stay).
MATCH (c:Crawl {id: $crawl_id})
OPTIONAL MATCH (t:CrawlTask {crawl_id: $crawl_id})
DETACH DELETE t, c
