MATCH ()-[e:REPOSTED]->()
RETURN count(e) AS n
