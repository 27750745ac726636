// Repost edges, idempotent on (reposter, author, post_id, at, action).
// rows: [[reposter idx, author idx, post_id, at, action, weight], ...]
UNWIND $rows AS row
MATCH (s:Account {idx: row[0]})
MATCH (d:Account {idx: row[1]})
MERGE (s)-[e:REPOSTED {post_id: row[2], at: row[3], action: row[4]}]->(d)
  ON CREATE SET e.weight = row[5]
