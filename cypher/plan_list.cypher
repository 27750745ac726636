// The most recent plans first.
MATCH (p:Plan)
RETURN p {.*} AS plan
ORDER BY p.created DESC, p.id DESC
LIMIT $limit
