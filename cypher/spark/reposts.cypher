// Repost edges for the Spark rank engine (read by the Neo4j Connector for Apache Spark):
// who reposted (src), whose post (dst), the stored weight and the time in unix seconds.
MATCH (s:Account)-[e:REPOSTED]->(d:Account)
RETURN s.idx AS src, d.idx AS dst, toFloat(coalesce(e.weight, 1.0)) AS weight,
       toInteger(e.at) AS ts
