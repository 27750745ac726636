// Exact audience overlap pairs of a run. rows: [[idx a, idx b, shared, jaccard], ...]
UNWIND $rows AS row
MATCH (a:Account {idx: row[0]})
MATCH (b:Account {idx: row[1]})
CREATE (a)-[:OVERLAPS {run_id: $run_id, shared: row[2], jaccard: row[3]}]->(b)
