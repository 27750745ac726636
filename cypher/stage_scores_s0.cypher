// Stage a run's scores in score slot 0; readers ignore them until the meta node points
// at the run. rows: [[idx, pagerank, community, reach, tier, engagement, anomaly, spread,
// flags], ...]
UNWIND $rows AS row
MATCH (a:Account {idx: row[0]})
SET a.s0_run = $run_id, a.s0_pagerank = row[1], a.s0_community = row[2],
    a.s0_reach = row[3], a.s0_tier = row[4], a.s0_engagement = row[5],
    a.s0_anomaly = row[6], a.s0_spread = row[7], a.s0_flags = row[8]
