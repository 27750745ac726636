// How many events are stored.
MATCH (e:Event)
RETURN count(e) AS n
