// Leiden communities on GDS versions before 2.5, where Leiden was a beta procedure; otherwise
// the same as gds/leiden.cypher.
CALL gds.beta.leiden.stream($graph, $config)
YIELD nodeId, communityId
RETURN gds.util.asNode(nodeId).idx AS idx, communityId AS community
