// Ids of every crawl, most recently updated first.
MATCH (c:Crawl)
RETURN c.id AS id
ORDER BY c.updated DESC, c.id
