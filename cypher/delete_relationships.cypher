// clear(): delete up to $batch relationships of any kolgraph type; loop until 0.
MATCH (:Account)-[e]->()
WITH e LIMIT $batch
DELETE e
RETURN count(*) AS n
