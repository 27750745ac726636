// Weighted PageRank in GDS, streamed back by account idx. $config carries dampingFactor,
// maxIterations, tolerance and relationshipWeightProperty.
CALL gds.pageRank.stream($graph, $config)
YIELD nodeId, score
RETURN gds.util.asNode(nodeId).idx AS idx, score
