// title: Communities of the current run
// params: none
// shows: the communities of the current run, largest first: the id to use for $community,
//        $a and $b, size, internal FOLLOWS edges, the top accounts by PageRank, and how many
//        KOL, media and own accounts each holds (campaign coverage at a glance).
MATCH (m:KolgraphMeta {id: 0})
MATCH (c:Community {run_id: m.current_run})
RETURN c.id AS community, c.size AS size, c.internal_edges AS internal_edges, c.top AS top,
       COUNT { (:KOL)-[:IN_COMMUNITY]->(c) } AS kols,
       COUNT { (:Media)-[:IN_COMMUNITY]->(c) } AS media,
       COUNT { (:Own)-[:IN_COMMUNITY]->(c) } AS own
ORDER BY size DESC
LIMIT 100
