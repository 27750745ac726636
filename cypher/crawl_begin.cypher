// Create a crawl if it is new (an existing crawl is left as it is) and return it.
MERGE (c:Crawl {id: $crawl_id})
  ON CREATE SET c.platform = $platform, c.params = $params, c.created = $now,
                c.updated = $now, c.stats = $empty_stats
RETURN c {.*} AS crawl
