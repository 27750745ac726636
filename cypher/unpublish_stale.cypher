// Part of the publish transaction: accounts the new run did not score lose the old scores.
MATCH (a:Account)
WHERE a.rank_run IS NOT NULL AND a.rank_run <> $run_id AND a.next_run IS NULL
REMOVE a.pagerank, a.community, a.reach, a.tier, a.rank_run
RETURN count(a) AS cleared
