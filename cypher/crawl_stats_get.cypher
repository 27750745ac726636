// Lock a crawl for this page's transaction, then read its running totals (a JSON object);
// no row if the crawl does not exist. Writing a property takes the node's write lock (held
// until commit) before the read, so concurrent pages of one crawl cannot lose each other's
// totals (read-committed isolation: see "Lost updates" in the Operations Manual).
MATCH (c:Crawl {id: $crawl_id})
SET c._lock = true
WITH c, c.stats AS stats
REMOVE c._lock
RETURN stats
