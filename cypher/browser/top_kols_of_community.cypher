// title: Top KOLs of a community
// params: :param community => 3   (a community id of the current run, see communities)
// shows: the KOL accounts of community $community by PageRank, with audience (reach), tier,
//        followers and price per post; the graph view draws them and the FOLLOWS among them.
//        Dumps without kind labels have no :KOL nodes: use ego_network or communities there.
MATCH (a:KOL)
WHERE a.community = $community
RETURN a AS account, a.key AS key, a.name AS name, a.pagerank AS pagerank,
       a.reach AS audience, a.tier AS tier, a.followers AS followers, a.cost AS cost
ORDER BY a.pagerank DESC
LIMIT 25
