MATCH (r:RankRun {id: $run_id})
RETURN r {.*} AS run
