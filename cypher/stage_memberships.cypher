// Account → community links of a run. rows: [[idx, community id], ...]
UNWIND $rows AS row
MATCH (a:Account {idx: row[0]})
MATCH (c:Community {run_id: $run_id, id: row[1]})
CREATE (a)-[:IN_COMMUNITY]->(c)
