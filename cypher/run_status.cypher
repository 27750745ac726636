MATCH (r:RankRun {id: $run_id})
RETURN r.status AS status, r.slot AS slot
