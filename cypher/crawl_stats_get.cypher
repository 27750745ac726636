// A crawl's running totals (a JSON object); no row if the crawl does not exist.
MATCH (c:Crawl {id: $crawl_id})
RETURN c.stats AS stats
