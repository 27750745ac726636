// Leiden communities in GDS (undirected projection), streamed back by account idx.
// $config carries relationshipWeightProperty, gamma, randomSeed, concurrency, maxLevels.
CALL gds.leiden.stream($graph, $config)
YIELD nodeId, communityId
RETURN gds.util.asNode(nodeId).idx AS idx, communityId AS community
