// Stage a run's scores in score slot 1; readers ignore them until the meta node points
// at the run. rows: [[idx, pagerank, community, reach, tier], ...]
UNWIND $rows AS row
MATCH (a:Account {idx: row[0]})
SET a.s1_run = $run_id, a.s1_pagerank = row[1], a.s1_community = row[2],
    a.s1_reach = row[3], a.s1_tier = row[4]
