// Project the combined follow + repost graph into the GDS catalog as $graph (Cypher
// projection) over the accounts with idx < $n. Parallel edges between a pair sum into one
// weight: $follow_weight per follow, $repost_weight times the stored weight per repost; a pair
// whose weight is not positive is left out (as the default engine does). Accounts without
// out-edges are projected as nodes (target null). $config may make relationships undirected.
MATCH (s:Account)
WHERE s.idx < $n
OPTIONAL MATCH (s)-[e:FOLLOWS|REPOSTED]->(t:Account)
WHERE t.idx < $n
WITH s, t,
     sum(CASE WHEN e IS NULL THEN 0.0
              WHEN type(e) = $follow_type THEN $follow_weight
              ELSE $repost_weight * coalesce(e.weight, 1.0) END) AS w
WITH s, CASE WHEN w > 0 THEN t END AS target, w
WITH gds.graph.project($graph, s, target, {relationshipProperties: {weight: w}}, $config) AS g
RETURN g.graphName AS graph, g.nodeCount AS nodes, g.relationshipCount AS relationships
