// clear(): delete up to $batch events with their memberships; loop until 0.
MATCH (e:Event)
WITH e LIMIT $batch
DETACH DELETE e
RETURN count(*) AS n
