// title: Audience overlap of two accounts
// params: :param key1 => 'demo:000010'   :param key2 => 'demo:000023'
// shows: each account's followers (FOLLOWS in), the followers they share and the Jaccard
//        index shared / (audience1 + audience2 - shared), counted live from FOLLOWS; beside
//        it the OVERLAPS relationship the current rank run stored for the pair (only pairs
//        among the top-K accounts have one), drawn between the two nodes.
MATCH (a:Account {key: $key1})
MATCH (b:Account {key: $key2})
OPTIONAL MATCH (m:KolgraphMeta {id: 0})
OPTIONAL MATCH (a)-[o:OVERLAPS]-(b)
WHERE o.run_id = m.current_run
WITH a, b, o,
     COUNT { (a)<-[:FOLLOWS]-() } AS audience1,
     COUNT { (b)<-[:FOLLOWS]-() } AS audience2,
     COUNT { (a)<-[:FOLLOWS]-()-[:FOLLOWS]->(b) } AS shared
RETURN a, b, o AS stored_overlap, audience1, audience2, shared,
       CASE WHEN audience1 + audience2 - shared = 0 THEN 0.0
            ELSE toFloat(shared) / (audience1 + audience2 - shared) END AS jaccard,
       o.shared AS stored_shared, o.jaccard AS stored_jaccard
