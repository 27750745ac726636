// Store a crawl's running totals (a JSON object) and the time of its last page.
MATCH (c:Crawl {id: $crawl_id})
SET c.stats = $stats, c.updated = $now
RETURN c.id AS id
