// Benchmark baseline: one follow edge per query (what batching with UNWIND replaces).
MATCH (s:Account {idx: $src})
MATCH (d:Account {idx: $dst})
MERGE (s)-[:FOLLOWS]->(d)
