// Stage a run's scores on the accounts; invisible to readers until the run is published.
// rows: [[idx, pagerank, community, reach, tier], ...]
UNWIND $rows AS row
MATCH (a:Account {idx: row[0]})
SET a.next_run = $run_id, a.next_pagerank = row[1], a.next_community = row[2],
    a.next_reach = row[3], a.next_tier = row[4]
