MATCH ()-[e:FOLLOWS]->()
RETURN count(e) AS n
