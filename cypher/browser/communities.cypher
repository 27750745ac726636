// title: Communities of the current run
// params: none
// shows: the communities of the current run, largest first: the id to use for $community,
//        $a and $b, size, internal edges and density (share of possible directed pairs
//        that are edges), external edges (to or from other communities), the top accounts
//        by PageRank, the bridge accounts (most edges to or from other communities), and
//        how many KOL, media, own and partner accounts each holds (campaign coverage at a
//        glance).
MATCH (m:KolgraphMeta {id: 0})
MATCH (c:Community {run_id: m.current_run})
RETURN c.id AS community, c.size AS size, c.internal_edges AS internal_edges,
       round(c.density, 4) AS density, c.external_edges AS external_edges, c.top AS top,
       c.bridges AS bridges,
       COUNT { (:KOL)-[:IN_COMMUNITY]->(c) } AS kols,
       COUNT { (:Media)-[:IN_COMMUNITY]->(c) } AS media,
       COUNT { (:Own)-[:IN_COMMUNITY]->(c) } AS own,
       COUNT { (:Partner)-[:IN_COMMUNITY]->(c) } AS partners
ORDER BY size DESC
LIMIT 100
