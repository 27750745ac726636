// Follower edges, idempotent. rows: [[follower idx, followed idx], ...]
UNWIND $rows AS row
MATCH (s:Account {idx: row[0]})
MATCH (d:Account {idx: row[1]})
MERGE (s)-[:FOLLOWS]->(d)
