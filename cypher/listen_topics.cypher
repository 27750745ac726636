// Every topic with its number of events, oldest first.
MATCH (t:Topic)
RETURN t {.*} AS topic, COUNT { (t)<-[:IN_TOPIC]-() } AS events
ORDER BY t.created, t.name
