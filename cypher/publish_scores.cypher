// Part of the publish transaction: copy a run's staged scores into the public properties.
MATCH (a:Account)
WHERE a.next_run = $run_id
SET a.pagerank = a.next_pagerank, a.community = a.next_community, a.reach = a.next_reach,
    a.tier = a.next_tier, a.rank_run = $run_id
REMOVE a.next_run, a.next_pagerank, a.next_community, a.next_reach, a.next_tier
RETURN count(a) AS published
