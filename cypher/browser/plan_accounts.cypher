// title: Accounts of a campaign plan
// params: :param keys => ['demo:000010', 'demo:000023', 'demo:000002']   (the planned account keys)
// shows: each planned account with kind, PageRank, audience, tier and price, and its community
//        of the current run (size and top accounts); the graph view draws the accounts, their
//        Community nodes and the FOLLOWS among planned accounts. found = false marks a key
//        that is not in the graph.
OPTIONAL MATCH (m:KolgraphMeta {id: 0})
UNWIND $keys AS k
OPTIONAL MATCH (a:Account {key: k})
OPTIONAL MATCH (a)-[member:IN_COMMUNITY]->(c:Community)
WHERE c.run_id = m.current_run
RETURN k AS key, a IS NOT NULL AS found, a AS account, member, c AS community_node,
       a.name AS name, a.kind AS kind, a.pagerank AS pagerank, a.reach AS audience,
       a.tier AS tier, a.cost AS cost, c.id AS community, c.size AS community_size,
       c.top AS community_top
ORDER BY found DESC, coalesce(a.pagerank, -1.0) DESC
