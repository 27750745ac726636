// Project the combined follow + repost graph into the GDS catalog as $graph (Cypher
// projection). Parallel edges between a pair sum into one weight: $follow_weight per
// follow, $repost_weight times the stored weight per repost. Accounts without out-edges
// are projected as nodes (target null). $config may make relationships undirected.
MATCH (s:Account)
OPTIONAL MATCH (s)-[e:FOLLOWS|REPOSTED]->(t:Account)
WITH s, t,
     sum(CASE WHEN e IS NULL THEN 0.0
              WHEN type(e) = $follow_type THEN $follow_weight
              ELSE $repost_weight * coalesce(e.weight, 1.0) END) AS w
WITH gds.graph.project($graph, s, t, {relationshipProperties: {weight: w}}, $config) AS g
RETURN g.graphName AS graph, g.nodeCount AS nodes, g.relationshipCount AS relationships
