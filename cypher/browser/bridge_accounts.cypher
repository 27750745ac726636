// title: Accounts that bridge two communities
// params: :param a => 0   :param b => 1   (two community ids of the current run)
// shows: members of either community with the most FOLLOWS / REPOSTED links, in either
//        direction, to members of the other one: the accounts that carry a message across.
//        followed_by / reposted_by count the other side reaching in; follows / reposts the
//        account reaching out. Starts from the Community nodes of the current run (indexed by
//        run_id, id) and their IN_COMMUNITY members.
MATCH (m:KolgraphMeta {id: 0})
MATCH (home:Community {run_id: m.current_run})
WHERE home.id IN [$a, $b]
WITH home, CASE home.id WHEN $a THEN $b ELSE $a END AS other
MATCH (x:Account)-[:IN_COMMUNITY]->(home)
WITH x, home.id AS community, other,
     COUNT { (x)<-[:FOLLOWS]-(y:Account) WHERE y.community = other } AS followed_by,
     COUNT { (x)-[:FOLLOWS]->(y:Account) WHERE y.community = other } AS follows,
     COUNT { (x)<-[:REPOSTED]-(y:Account) WHERE y.community = other } AS reposted_by,
     COUNT { (x)-[:REPOSTED]->(y:Account) WHERE y.community = other } AS reposts
WITH x, community, other, followed_by, follows, reposted_by, reposts,
     followed_by + follows + reposted_by + reposts AS links
WHERE links > 0
RETURN x AS account, x.key AS key, x.name AS name, x.kind AS kind, community,
       other AS bridges_to, links, followed_by, follows, reposted_by, reposts,
       x.pagerank AS pagerank
ORDER BY links DESC, pagerank DESC
LIMIT 25
