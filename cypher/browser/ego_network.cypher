// title: Ego network of an account
// params: :param key => 'demo:000010'
// shows: the account and its 50 highest-ranked neighbours over FOLLOWS and REPOSTED (both
//        directions) as paths, so the graph view draws the neighbourhood (Browser also connects
//        the neighbours among themselves); a big account is capped instead of drawing every
//        follower. Unranked neighbours (no pagerank yet) come last.
MATCH (a:Account {key: $key})
MATCH p = (a)-[:FOLLOWS|REPOSTED]-(n:Account)
WITH p, n
ORDER BY coalesce(n.pagerank, 0.0) DESC
LIMIT 50
RETURN p
