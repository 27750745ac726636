// Stage a run's scores in score slot 1; readers ignore them until the meta node points
// at the run. rows: [[idx, pagerank, community, reach, tier, engagement, anomaly, spread,
// flags], ...]
UNWIND $rows AS row
MATCH (a:Account {idx: row[0]})
SET a.s1_run = $run_id, a.s1_pagerank = row[1], a.s1_community = row[2],
    a.s1_reach = row[3], a.s1_tier = row[4], a.s1_engagement = row[5],
    a.s1_anomaly = row[6], a.s1_spread = row[7], a.s1_flags = row[8]
