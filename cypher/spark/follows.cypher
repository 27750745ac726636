// Follow edges for the Spark rank engine (read by the Neo4j Connector for Apache Spark, which
// runs this query itself): the follower's and the followed account's dense idx.
MATCH (s:Account)-[:FOLLOWS]->(d:Account)
RETURN s.idx AS src, d.idx AS dst
