// Repost edges, idempotent on (reposter, author, post_id, at, action).
// rows: [[reposter idx, author idx, post_id, at, action, weight], ...]
// An existing edge is found by expanding between the two accounts, never through the
// post_id index: dumps without post ids give every edge the same empty post id, and an
// index seek on it would read every such edge for each row.
UNWIND $rows AS row
MATCH (s:Account {idx: row[0]})
MATCH (d:Account {idx: row[1]})
CALL {
  WITH s, d, row
  OPTIONAL MATCH (s)-[x:REPOSTED]->(d)
  WHERE [x.post_id, x.at, x.action] = [row[2], row[3], row[4]]
  WITH s, d, row, x
  LIMIT 1
  WITH s, d, row
  WHERE x IS NULL
  CREATE (s)-[:REPOSTED {post_id: row[2], at: row[3], action: row[4], weight: row[5]}]->(d)
}
